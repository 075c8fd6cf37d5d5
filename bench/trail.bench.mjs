// `trail verify` of an S3 Object Lock trail in moto (20,000 records; KEYWARDEN_BENCH_RECORDS changes it),
// against a baseline measured in the same run: the bare calls verify needs — ListObjectVersions over every
// page, then GetObject of each record's original version (which carries its Object Lock mode and date), the
// same concurrency, bodies read. Rounds alternate (baseline, keywarden) and the medians are compared.
// Target: keywarden ≤ 1.3× the bare calls. `npm run bench trail` runs it alone.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { pool, startMoto } from './audit/moto.mjs';

const RECORDS = Number(process.env.KEYWARDEN_BENCH_RECORDS ?? 20_000);
const ROUNDS = Number(process.env.KEYWARDEN_BENCH_ROUNDS ?? 3);
/** keywarden's read concurrency (core/trail/s3.ts READ_CONCURRENCY), used by the baseline too. */
const CONCURRENCY = 16;
const SEED_CONCURRENCY = 32;
const TARGET = 1.3;
const BUCKET = 'keywarden-trail-bench';
const PREFIX = 'trail/';
const RETENTION_DAYS = 2557;
const DAY_MS = 86_400_000;

// core/trail is TypeScript with parameter properties (which Node's type stripping refuses): bundle it once,
// with the AWS SDK left external so that the bench's S3Client and keywarden's commands are the same package.
const root = join(import.meta.dirname, '..');
const bundle = join(root, 'node_modules', '.cache', 'keywarden-bench', 'trail.mjs');
await build({
  entryPoints: [join(root, 'core/trail/index.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'error',
});
const trail = await import(pathToFileURL(bundle).href);

const moto = await startMoto();
const client = () =>
  new S3Client({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 3,
  });

async function seed(s3) {
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectLockEnabledForBucket: true }));
  const start = new Date('2026-01-01T00:00:00Z').getTime();
  const records = [];
  for (let i = 0; i < RECORDS; i++) {
    records.push(
      trail.seal(
        {
          at: new Date(start + i * 60_000),
          account: '123456789012',
          actor: 'lambda:keywarden-rotation',
          action: ['key.create', 'secret.store', 'key.deactivate', 'key.delete'][i % 4],
          user: `user-${i % 5000}`,
          accessKeyId: `AKIA${String(i).padStart(16, '0')}`,
          outcome: 'success',
          reason: 'key age 81 days reached rotateAtDays 80',
        },
        records.at(-1) ?? null,
      ),
    );
  }
  const store = new trail.S3TrailStore({ bucket: BUCKET, prefix: PREFIX, retentionDays: RETENTION_DAYS });
  await pool(records, SEED_CONCURRENCY, (record) =>
    s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: store.keyOf(record.seq),
        Body: `${JSON.stringify(record)}\n`,
        ContentType: 'application/json',
        IfNoneMatch: '*',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: new Date(Date.parse(record.at) + RETENTION_DAYS * DAY_MS),
      }),
    ),
  );
}

/** The bare calls: every page of versions, then each key's original version, bodies read. */
async function bare(s3) {
  const originals = new Map();
  let KeyMarker;
  let VersionIdMarker;
  let calls = 0;
  for (;;) {
    const page = await s3.send(
      new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: PREFIX, KeyMarker, VersionIdMarker }),
    );
    calls++;
    for (const version of page.Versions ?? []) originals.set(version.Key, version.VersionId);
    if (!page.IsTruncated) break;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
  let bytes = 0;
  await pool([...originals], CONCURRENCY, async ([Key, VersionId]) => {
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key, VersionId }));
    bytes += (await object.Body.transformToString('utf8')).length;
    calls++;
  });
  return { records: originals.size, calls, bytes };
}

async function keywarden(s3) {
  const store = new trail.S3TrailStore({
    bucket: BUCKET,
    prefix: PREFIX,
    retentionDays: RETENTION_DAYS,
    client: s3,
  });
  const { verification } = await trail.verifyTrail(store);
  if (!verification.intact) throw new Error(`the seeded trail does not verify: ${verification.problem}`);
  return { records: verification.records };
}

async function timed(work) {
  const s3 = client();
  try {
    const started = performance.now();
    const result = await work(s3);
    return { ms: performance.now() - started, ...result };
  } finally {
    s3.destroy();
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  const seeding = await timed(seed);
  console.log(`seeded ${RECORDS} trail records into moto in ${(seeding.ms / 1000).toFixed(1)} s`);
  const baseline = [];
  const measured = [];
  let calls = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const floor = await timed(bare);
    const ours = await timed(keywarden);
    if (ours.records !== RECORDS || floor.records !== RECORDS) throw new Error('not every record was read');
    baseline.push(floor.ms);
    measured.push(ours.ms);
    calls = floor.calls;
  }
  const [floorMs, oursMs] = [median(baseline), median(measured)];
  const ratio = oursMs / floorMs;
  console.log(
    `trail verify of ${RECORDS} S3 records (moto), ${CONCURRENCY} reads at once, median of ${ROUNDS}`,
  );
  console.log('| run | time | records/s | vs bare |');
  console.log('|---|---|---|---|');
  console.log(
    `| bare ListObjectVersions + GetObject (${calls} calls) | ${(floorMs / 1000).toFixed(2)} s | ${Math.round(RECORDS / (floorMs / 1000))} | 1× |`,
  );
  console.log(
    `| keywarden verifyTrail | ${(oursMs / 1000).toFixed(2)} s | ${Math.round(RECORDS / (oursMs / 1000))} | ${ratio.toFixed(2)}× |`,
  );
  console.log(`target ≤ ${TARGET}×: ${ratio <= TARGET ? 'met' : 'MISSED'}`);
} finally {
  await moto.stop();
}
