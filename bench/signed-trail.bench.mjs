// Signed trail records (docs/signed-trail.md), against moto, each against a baseline measured in the same run:
// 1. a rotation run of 100 due users (KEYWARDEN_BENCH_USERS) with every trail record signed by KMS, against the
//    same run unsigned: signing adds one KMS Sign call per record;
// 2. `trail verify` of 10,000 signed records (KEYWARDEN_BENCH_RECORDS) against the same trail unsigned: the
//    signatures are verified locally with node:crypto after one GetPublicKey.
// Rounds alternate (baseline, signed) and the medians are compared. `npm run bench signed` runs it alone.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importBundle } from './bundle.mjs';

const USERS = Number(process.env.KEYWARDEN_BENCH_USERS ?? 100);
const RECORDS = Number(process.env.KEYWARDEN_BENCH_RECORDS ?? 10_000);
const ROUNDS = Number(process.env.KEYWARDEN_BENCH_ROUNDS ?? 3);
const CONCURRENCY = 8;
const SIGN_CONCURRENCY = 16;
const work = mkdtempSync(join(tmpdir(), 'keywarden-bench-signed-'));

const kw = await importBundle(work, 'signed-trail-bench-entry', [
  "export { rotateUsers, memoryNotifier, S3LeaseStore } from './core/rotation/index.ts';",
  "export { parseConfig } from './core/policy/schema.ts';",
  "export { JsonlTrailStore, kmsTrailSigner, publicKeyFromKms, seal, verifyTrail } from './core/trail/index.ts';",
  "export { startMoto, motoAvailable } from './test/support/moto.ts';",
  "export { seedIam } from './test/support/iam-seed.ts';",
  "export * as iam from '@aws-sdk/client-iam';",
  "export * as sm from '@aws-sdk/client-secrets-manager';",
  "export * as kms from '@aws-sdk/client-kms';",
  "export * as s3 from '@aws-sdk/client-s3';",
]);

if (!kw.motoAvailable()) {
  console.log('signed trail bench: skipped (moto_server is not installed)');
  process.exit(0);
}

const asOf = new Date('2026-06-01T12:00:00Z');
const moto = await kw.startMoto();
moto.useInThisProcess();
const common = { region: 'us-east-1', endpoint: moto.endpoint, maxAttempts: 3 };
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const users = Array.from({ length: USERS }, (_, n) => ({
  name: `bench-user-${String(n).padStart(4, '0')}`,
  tags: { 'keywarden:rotation': 'enabled' },
  keys: [{ ageDays: 81 }],
}));

async function signingKey() {
  const client = new kw.kms.KMSClient(common);
  const created = await client.send(
    new kw.kms.CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
  );
  client.destroy();
  return created.KeyMetadata.Arn;
}

/** One rotation run of every due user; with a key, each trail record is signed (one KMS Sign each). */
async function rotation(round, keyArn) {
  await moto.reset();
  await kw.seedIam(moto, asOf, users);
  const key = keyArn ? await signingKey() : undefined;
  const file = join(work, `rotation-${round}-${key ? 'signed' : 'unsigned'}.jsonl`);
  const clients = { iam: new kw.iam.IAMClient(common), secrets: new kw.sm.SecretsManagerClient(common) };
  // Rotation changes keys only under each user's lease: the bucket of the leases, as the stack makes it.
  const s3 = new kw.s3.S3Client({ ...common, forcePathStyle: true });
  await s3.send(new kw.s3.CreateBucketCommand({ Bucket: 'bench-leases' }));
  const lease = new kw.S3LeaseStore({ bucket: 'bench-leases', prefix: 'leases/', seconds: 600, client: s3 });
  const started = performance.now();
  const run = await kw.rotateUsers({
    clients,
    config: kw.parseConfig({}, { asOf }),
    account: '123456789012',
    actor: 'bench',
    clock: () => asOf,
    trail: new kw.JsonlTrailStore(file, key ? { signer: kw.kmsTrailSigner(key) } : {}),
    notifier: kw.memoryNotifier('bench'),
    lease,
    users: 'in-scope',
    concurrency: CONCURRENCY,
  });
  const seconds = (performance.now() - started) / 1000;
  for (const client of [...Object.values(clients), s3]) client.destroy();
  if (run.counts.done !== USERS) throw new Error(`rotated ${run.counts.done} of ${USERS} users`);
  return seconds;
}

/** A JSONL trail of RECORDS records; signed ones are sealed first, then their hashes signed by KMS in parallel. */
async function writeTrail(file, keyArn) {
  const records = [];
  let previous = null;
  for (let n = 0; n < RECORDS; n++) {
    previous = kw.seal(
      {
        at: new Date(asOf.getTime() + n * 1000),
        account: '123456789012',
        actor: 'lambda:keywarden-rotation',
        action: n % 2 ? 'secret.store' : 'key.create',
        user: `bench-user-${String(n % 1000).padStart(4, '0')}`,
        accessKeyId: `AKIABENCH${String(n).padStart(11, '0')}`,
        outcome: 'success',
        reason: 'key age 81 days reached rotateAtDays 80',
      },
      previous,
      undefined,
      keyArn,
    );
    records.push(previous);
  }
  if (keyArn) {
    const signer = kw.kmsTrailSigner(keyArn);
    let next = 0;
    await Promise.all(
      Array.from({ length: SIGN_CONCURRENCY }, async () => {
        while (next < records.length) {
          const record = records[next++];
          const signature = await signer.sign(Buffer.from(record.hash, 'hex'));
          record.signature = Buffer.from(signature).toString('base64');
        }
      }),
    );
  }
  writeFileSync(file, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
}

try {
  const rotations = { unsigned: [], signed: [] };
  for (let round = 0; round < ROUNDS; round++) {
    rotations.unsigned.push(await rotation(round, false));
    rotations.signed.push(await rotation(round, true));
  }
  const [unsignedRun, signedRun] = [median(rotations.unsigned), median(rotations.signed)];
  console.log(
    `rotation of ${USERS} due users against moto, ${CONCURRENCY} at once, JSONL trail (median of ${ROUNDS})`,
  );
  console.log(
    `unsigned trail  ${unsignedRun.toFixed(2)} s   (rounds: ${rotations.unsigned.map((s) => s.toFixed(2)).join(', ')})`,
  );
  console.log(
    `signed trail    ${signedRun.toFixed(2)} s   (rounds: ${rotations.signed.map((s) => s.toFixed(2)).join(', ')})`,
  );
  console.log(
    `ratio: signing takes ${(signedRun / unsignedRun).toFixed(2)}x the unsigned run (one KMS Sign per record)`,
  );

  await moto.reset();
  const keyArn = await signingKey();
  const unsignedFile = join(work, 'verify-unsigned.jsonl');
  const signedFile = join(work, 'verify-signed.jsonl');
  const seedStarted = performance.now();
  await writeTrail(unsignedFile, undefined);
  await writeTrail(signedFile, keyArn);
  const seeded = (performance.now() - seedStarted) / 1000;
  const verifies = { unsigned: [], signed: [] };
  let publicKeyCalls = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let started = performance.now();
    const plain = await kw.verifyTrail(new kw.JsonlTrailStore(unsignedFile));
    verifies.unsigned.push(performance.now() - started);
    started = performance.now();
    const signed = await kw.verifyTrail(new kw.JsonlTrailStore(signedFile), {
      signatures: {
        keyArn,
        fetchPublicKey: (arn) => {
          publicKeyCalls++;
          return kw.publicKeyFromKms(arn);
        },
      },
    });
    verifies.signed.push(performance.now() - started);
    if (
      !plain.verification.intact ||
      !signed.verification.intact ||
      signed.verification.signing.signedRecords !== RECORDS
    ) {
      throw new Error('a bench trail did not verify');
    }
  }
  const [unsignedVerify, signedVerify] = [median(verifies.unsigned), median(verifies.signed)];
  console.log(
    `\ntrail verify of ${RECORDS} records, JSONL (median of ${ROUNDS}; the signed trail was signed by moto KMS in ${seeded.toFixed(1)} s)`,
  );
  console.log(`unsigned        ${unsignedVerify.toFixed(0)} ms`);
  console.log(
    `signed          ${signedVerify.toFixed(0)} ms   (${(publicKeyCalls / ROUNDS).toFixed(0)} GetPublicKey per verify, signatures checked with node:crypto)`,
  );
  console.log(
    `ratio: verifying signatures takes ${(signedVerify / unsignedVerify).toFixed(2)}x the unsigned verify`,
  );
} finally {
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
}
