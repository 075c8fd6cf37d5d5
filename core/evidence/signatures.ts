// What an evidence pack of a signed trail carries so that a reviewer re-checks a signature with openssl alone:
// the signing key's public half, the period's records as stored, and the recipe (docs/signed-trail.md holds the
// same commands; test/core/evidence/signatures.test.ts runs them as written).
import type { KeyObject } from 'node:crypto';
import { publicKeyPem, type TrailRecord, withinPeriod } from '../trail/index.js';
import { type Period, SIGNATURE_FILES } from './model.js';
import type { PackFile } from './pack.js';

/** The recipe's commands, run in the pack's directory: they check the last record of the period. */
export const SIGNATURE_RECIPE_COMMANDS = `tail -n 1 trail-records.jsonl > record.json
jq -r .hash record.json | xxd -r -p > digest.bin
jq -r .signature record.json | openssl base64 -d -A > sig.der
openssl pkeyutl -verify -pubin -inkey trail-public-key.pem -in digest.bin -sigfile sig.der`;

/** The same check of the pack's own record, whose hash and signature manifest.json carries. */
export const PACK_RECORD_RECIPE_COMMANDS = `jq -r .trail.packRecord.hash manifest.json | xxd -r -p > digest.bin
jq -r .trail.packRecord.signature manifest.json | openssl base64 -d -A > sig.der
openssl pkeyutl -verify -pubin -inkey trail-public-key.pem -in digest.bin -sigfile sig.der`;

function recipe(keyArn: string): string {
  return `# Re-checking the trail's signatures

Every trail record from the first signed one on carries \`signature\`: base64 of the DER ECDSA signature that AWS
KMS made (\`Sign\`, \`ECDSA_SHA_256\`, \`MessageType: DIGEST\`) with the key ${keyArn} over the 32 bytes
of the record's \`hash\`; \`signingKey\` names the key inside the hashed fields. \`${SIGNATURE_FILES.publicKey}\` is that
key's public half, as KMS \`GetPublicKey\` returned it when this pack was made; compare it with
\`aws kms get-public-key --key-id ${keyArn}\` once, on a machine you trust.

With openssl, jq and xxd, in this directory, one record of \`${SIGNATURE_FILES.records}\` (here the last):

\`\`\`sh
${SIGNATURE_RECIPE_COMMANDS}
\`\`\`

openssl prints \`Signature Verified Successfully\`; any other output means the record was not signed by that key.
The pack's own trail record (its digest), from \`manifest.json\`:

\`\`\`sh
${PACK_RECORD_RECIPE_COMMANDS}
\`\`\`

A signature proves who could write the record (a holder of \`kms:Sign\` on the key); that \`hash\` is the
SHA-256 of the record's content (RFC 8785 canonical JSON without \`hash\` and \`signature\`) is checked with the
chain recipe of the README ("Re-checking a trail without keywarden").
`;
}

/** The files a pack of a signed trail adds: public key, the period's records as stored, the recipe. */
export function signatureFiles(
  signing: { keyArn: string; publicKey: KeyObject },
  records: readonly TrailRecord[],
  period: Period,
): PackFile[] {
  const inPeriod = records.filter((record) => withinPeriod(record, period));
  return [
    { name: SIGNATURE_FILES.publicKey, content: publicKeyPem(signing.publicKey) },
    {
      name: SIGNATURE_FILES.records,
      content: inPeriod.map((record) => `${JSON.stringify(record)}\n`).join(''),
    },
    { name: SIGNATURE_FILES.recipe, content: recipe(signing.keyArn) },
  ];
}
