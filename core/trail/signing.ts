// Signed trail records: a KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY) signs the 32 bytes of each record's
// hash (KMS Sign, ECDSA_SHA_256, MessageType DIGEST), so that only a holder of kms:Sign on that key can append a
// record that verifies. The public half verifies locally (node:crypto, or `openssl pkeyutl -verify`).
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { KMS_KEY_ARN, regionOfKmsKeyArn } from '../aws/arn.js';
import type { AwsClientOptions } from '../aws/clients.js';
import { describeError, IncompleteError, UsageError } from '../errors.js';
import { hashInput, seal, type TrailEntry, type TrailRecord } from './record.js';

/** The signing algorithm of every trail signature (KMS name; DER-encoded ECDSA over SHA-256). */
export const TRAIL_SIGNING_ALGORITHM = 'ECDSA_SHA_256';
/** The key spec a trail signing key must have. */
export const TRAIL_SIGNING_KEY_SPEC = 'ECC_NIST_P256';

/** The key ARN as given, or a UsageError naming where it came from (`--trail-signing-key`, `trail.signingKey`). */
export function parseSigningKeyArn(text: string, origin: string): string {
  const arn = text.trim();
  if (!KMS_KEY_ARN.test(arn)) {
    throw new UsageError(
      `${origin}: "${text}" is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID); give the ARN, not an alias or key ID, so that each record names the key that signed it`,
    );
  }
  return arn;
}

/** The region a key lives in: its client signs there, whatever the run's region. */
export function regionOfKeyArn(arn: string): string {
  const region = regionOfKmsKeyArn(arn);
  if (!region) throw new UsageError(`"${arn}" is not a KMS key ARN`);
  return region;
}

/** Signs a record's hash. `sign` returns the DER ECDSA signature KMS made over the 32 digest bytes. */
export interface TrailSigner {
  readonly keyArn: string;
  sign(digest: Uint8Array): Promise<Uint8Array>;
}

/**
 * A signer that calls KMS `Sign` (ECDSA_SHA_256, MessageType DIGEST) in the key's own region: one call per
 * record. The SDK is loaded on the first signature only, so a run that writes nothing never loads it.
 */
export function kmsTrailSigner(keyArn: string, aws: AwsClientOptions = {}): TrailSigner {
  let client: Promise<import('@aws-sdk/client-kms').KMSClient> | undefined;
  return {
    keyArn,
    async sign(digest) {
      const kms = await import('@aws-sdk/client-kms');
      const { clientConfig } = await import('../aws/clients.js');
      client ??= Promise.resolve(new kms.KMSClient(clientConfig({ ...aws, region: regionOfKeyArn(keyArn) })));
      try {
        const answer = await (await client).send(
          new kms.SignCommand({
            KeyId: keyArn,
            Message: digest,
            MessageType: 'DIGEST',
            SigningAlgorithm: TRAIL_SIGNING_ALGORITHM,
          }),
        );
        if (!answer.Signature) throw new Error('KMS Sign answered without a signature');
        return answer.Signature;
      } catch (err) {
        throw new IncompleteError(`cannot sign the trail record with ${keyArn}: ${describeError(err)}`, {
          cause: err,
        });
      }
    },
  };
}

/**
 * Seals an entry after `previous` and, with a signer, names its key (a hashed field) and signs the hash.
 * A trail that is signed stays signed by one key: appending without the key, or with another, is refused
 * here, before anything is written, rather than leaving a record that verify must name as a break.
 */
export async function sealRecord(
  entry: TrailEntry,
  previous: TrailRecord | null,
  seq: number | undefined,
  signer: TrailSigner | undefined,
): Promise<TrailRecord> {
  const signedBy = previous !== null && typeof previous.signingKey === 'string' ? previous.signingKey : null;
  if (signedBy !== null && signer === undefined) {
    throw new UsageError(
      `the trail is signed (seq ${previous?.seq} by ${signedBy}): give --trail-signing-key ${signedBy} (or trail.signingKey) to write to it`,
    );
  }
  if (signedBy !== null && signer !== undefined && signer.keyArn !== signedBy) {
    throw new UsageError(
      `the trail is signed by ${signedBy} (seq ${previous?.seq}), not by ${signer.keyArn}: one trail has one signing key`,
    );
  }
  const record = seal(entry, previous, seq, signer?.keyArn);
  if (!signer) return record;
  const signature = await signer.sign(Buffer.from(record.hash, 'hex'));
  return { ...record, signature: Buffer.from(signature).toString('base64') };
}

/** The public key of a PEM file's text (SubjectPublicKeyInfo), or a UsageError naming the file. */
export function publicKeyFromPem(text: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: 'pem' });
  } catch (err) {
    throw new UsageError(`--public-key ${source}: not a PEM public key (${describeError(err)})`, {
      cause: err,
    });
  }
  if (!isP256(key)) {
    throw new UsageError(
      `--public-key ${source}: not an ECC NIST P-256 public key (the trail signs with ECC_NIST_P256)`,
    );
  }
  return key;
}

const isP256 = (key: KeyObject) =>
  key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';

/** The public half of a KMS key, from one `GetPublicKey` (DER SubjectPublicKeyInfo), checked to be a P-256 signing key. */
export async function publicKeyFromKms(keyArn: string, aws: AwsClientOptions = {}): Promise<KeyObject> {
  const kms = await import('@aws-sdk/client-kms');
  const { clientConfig } = await import('../aws/clients.js');
  const client = new kms.KMSClient(clientConfig({ ...aws, region: regionOfKeyArn(keyArn) }));
  try {
    const answer = await client.send(new kms.GetPublicKeyCommand({ KeyId: keyArn }));
    // The key itself says what it is (moto, like older KMS answers, may leave KeySpec out).
    const publicKey = answer.PublicKey
      ? createPublicKey({ key: Buffer.from(answer.PublicKey), format: 'der', type: 'spki' })
      : null;
    if (answer.KeyUsage !== 'SIGN_VERIFY' || !publicKey || !isP256(publicKey)) {
      throw new UsageError(
        `${keyArn} is not a trail signing key: it must be ${TRAIL_SIGNING_KEY_SPEC} with key usage SIGN_VERIFY (it is ${answer.KeySpec ?? answer.CustomerMasterKeySpec ?? '?'}, ${answer.KeyUsage ?? '?'})`,
      );
    }
    return publicKey;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new IncompleteError(
      `cannot read the public key of ${keyArn} (kms:GetPublicKey) to check the trail's signatures: ${describeError(err)}; give --public-key FILE.pem to verify offline`,
      { cause: err },
    );
  } finally {
    client.destroy();
  }
}

/** The PEM text of a public key: what the evidence pack ships for openssl. */
export function publicKeyPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Whether a record's signature is an ECDSA P-256 signature of its hash by `publicKey`. KMS signed the 32 hash
 * bytes as a digest; node:crypto verifies the same signature over the hash input with SHA-256, which is that
 * digest (the chain check holds `hash` equal to it).
 */
export function signatureHolds(record: TrailRecord, publicKey: KeyObject): boolean {
  if (typeof record.signature !== 'string' || !BASE64.test(record.signature)) return false;
  const input = Buffer.from(hashInput(record));
  if (createHash('sha256').update(input).digest('hex') !== record.hash) return false;
  return verify(
    'sha256',
    input,
    { key: publicKey, dsaEncoding: 'der' },
    Buffer.from(record.signature, 'base64'),
  );
}
