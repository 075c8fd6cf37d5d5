import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JsonlTrailStore,
  judge,
  S3TrailStore,
  type TrailEntry,
  type TrailRecord,
  verificationReport,
} from '../../core/trail/index.js';
import { docSection } from '../support/docs.js';
import { type Moto, motoAvailable, startMoto } from '../support/moto.js';

const trailGuide = docSection('docs/trail.md', 'trail');
const recheck = trailGuide.slice(trailGuide.indexOf('## Re-checking a trail without keywarden'));
const [jsonlBlock = '', s3Block = ''] = [...recheck.matchAll(/```sh\n([\s\S]*?)```/g)].map(
  (match) => match[1] ?? '',
);
const awsCli = spawnSync('aws', ['--version']).status === 0;
const now = new Date('2026-06-01T12:00:00Z');

/** Field values that canonical JSON must get right: every plane, controls, quotes, DEL, line separators. */
const awkward = [
  'plain',
  'ümlaut ß',
  '日本語',
  '🔑 key',
  'tab\there',
  'quote " and \\ slash',
  'del \u007f',
  'ls \u2028 ps \u2029',
  'nul \u0000',
];
const entry = (n: number): TrailEntry => ({
  at: new Date(now.getTime() + n * 1000),
  account: '123456789012',
  actor: 'arn:aws:iam::123456789012:user/ops',
  action: 'key.create',
  user: `user-${n}`,
  accessKeyId: n % 2 === 0 ? null : `AKIAEXAMPLE${String(n).padStart(9, '0')}`,
  outcome: 'success',
  reason: awkward[n % awkward.length] as string,
});
const bash = (script: string, cwd: string, env: NodeJS.ProcessEnv = process.env) =>
  spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd, env, encoding: 'utf8' });

describe('docs/trail.md: trail verify --format json', () => {
  it('shows a report with exactly the fields keywarden prints', () => {
    // Prepare
    const shown = JSON.parse(
      /`--format json` prints one object[\s\S]*?```json\n([\s\S]*?)```/.exec(trailGuide)?.[1] ?? '{}',
    );
    const verification = judge(
      { records: [], breaks: [{ seq: 6, kind: 'delete-marker', problem: 'seq 6: delete marker' }] },
      [{ seq: 5, hash: 'a'.repeat(64), source: 'manifest.json' }],
    );

    // Act
    const printed = verificationReport('s3://bucket/trail/', verification);

    // Assess
    expect(Object.keys(shown)).toEqual(Object.keys(printed));
    expect(Object.keys(shown.breaks[0])).toEqual(Object.keys(printed.breaks[0] ?? {}));
    expect(Object.keys(shown.anchors[0])).toEqual(Object.keys(printed.anchors[0] ?? {}));
  });
});

const dir = mkdtempSync(join(tmpdir(), 'keywarden-readme-trail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs/trail.md: re-checking a trail without keywarden', () => {
  async function jsonlTrail(length: number): Promise<TrailRecord[]> {
    const store = new JsonlTrailStore(join(dir, 'keywarden-trail.jsonl'));
    rmSync(store.file, { force: true });
    const records: TrailRecord[] = [];
    for (let n = 1; n <= length; n++) records.push(await store.append(entry(n)));
    return records;
  }

  it('shows a JSONL check that agrees with keywarden on an intact trail, and prints the anchor', async () => {
    // Prepare
    const records = await jsonlTrail(12);
    const last = records.at(-1) as TrailRecord;

    // Act
    const run = bash(jsonlBlock, dir);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`intact: 12 records; last seq 12 hash ${last.hash}\n`);
  });

  it('shows a JSONL check that agrees with keywarden on a signed trail (the signature is outside the hash)', async () => {
    // Prepare: the chain check does not read signatures, so any signer's bytes serve here
    const file = join(dir, 'keywarden-trail.jsonl');
    rmSync(file, { force: true });
    const signer = {
      keyArn: 'arn:aws:kms:eu-west-1:123456789012:key/0b7c6f9e-2b1a-4f3e-9c1d-5a6b7c8d9e0f',
      sign: async () => Buffer.from('signature bytes'),
    };
    const store = new JsonlTrailStore(file, { signer });
    let last: TrailRecord | undefined;
    for (let n = 1; n <= 3; n++) last = await store.append(entry(n));

    // Act
    const run = bash(jsonlBlock, dir);

    // Assess
    expect(last?.signature).toBeDefined();
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`intact: 3 records; last seq 3 hash ${last?.hash}\n`);
  });

  it('shows a JSONL check that names an edited record', async () => {
    // Prepare
    await jsonlTrail(5);
    const file = join(dir, 'keywarden-trail.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"user-3"', '"user-x"'));

    // Act
    const run = bash(jsonlBlock, dir);

    // Assess
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('broken at seq 3');
  });

  describe.skipIf(!motoAvailable() || !awsCli)('an S3 trail fetched with the aws CLI (moto)', () => {
    let moto: Moto;
    let s3: S3Client;
    const bucket = 'keywarden-trail-123456789012';
    beforeAll(async () => {
      moto = await startMoto();
      moto.useInThisProcess();
      s3 = new S3Client({
        region: 'us-east-1',
        endpoint: moto.endpoint,
        forcePathStyle: true,
        maxAttempts: 2,
      });
      await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
      // The aws CLI starts a Python process per call: a short trail keeps this quick. The JSONL block leaves check-trail.py behind, as it would for the auditor.
      await jsonlTrail(1);
      execFileSync('bash', ['-c', jsonlBlock], { cwd: dir });
    });
    afterAll(async () => {
      s3?.destroy();
      await moto?.stop();
    });

    it('re-checks every record’s original version and shows its retention', async () => {
      // Prepare
      const store = new S3TrailStore({ bucket, prefix: 'trail/', retentionDays: 2557 });
      const records: TrailRecord[] = [];
      for (let n = 1; n <= 3; n++) records.push(await store.append(entry(n)));

      // Act
      const run = bash(s3Block, dir, { ...process.env, ...moto.env });

      // Assess
      expect(run.stdout).toBe(`intact: 3 records; last seq 3 hash ${(records.at(-1) as TrailRecord).hash}\n`);
      expect(run.stderr).toContain('trail/000000000003.json: COMPLIANCE until 2033-06-01T12:00:03');
    }, 120_000);

    it('prints a delete marker that hides a record', async () => {
      // Prepare
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'trail/000000000003.json' }));

      // Act
      const run = bash(s3Block, dir, { ...process.env, ...moto.env });

      // Assess
      expect(run.stdout).toContain('delete marker: trail/000000000003.json\n');
    }, 120_000);
  });
});
