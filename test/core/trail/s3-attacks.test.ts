import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../core/time.js';
import { S3TrailStore, seal, type TrailEntry, type TrailRecord } from '../../../core/trail/index.js';
import { runCli } from '../../support/capture-io.js';
import { runFixtureEvidence } from '../../support/evidence-fixture.js';
import { type Moto, motoAvailable, startMoto } from '../../support/moto.js';
import { readRecords } from '../../support/trail-records.js';

// Each attack of issue 11, tried on moto's Object Lock (COMPLIANCE) bucket with nothing but the documented
// record format and plain S3 calls an appender's role holds.
const now = new Date('2026-06-01T12:00:00Z');
const bucket = 'keywarden-trail-attacks';
const retentionDays = 2557;

const entry = (user: string): TrailEntry => ({
  at: now,
  account: '123456789012',
  actor: 'lambda:keywarden-rotation',
  action: 'key.create',
  user,
  accessKeyId: 'AKIAEXAMPLE000000001',
  outcome: 'success',
  reason: 'key age 81 days reached rotateAtDays 80',
});

describe.skipIf(!motoAvailable())('S3 trail under attack (moto, Object Lock COMPLIANCE)', () => {
  let moto: Moto;
  let s3: S3Client;
  beforeAll(async () => {
    moto = await startMoto();
    moto.useInThisProcess();
    s3 = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true, maxAttempts: 2 });
  });
  afterAll(async () => {
    s3?.destroy();
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  });

  const store = () => new S3TrailStore({ bucket, prefix: 'trail/', retentionDays });
  async function trailOf(length: number): Promise<{ trail: S3TrailStore; records: TrailRecord[] }> {
    const trail = store();
    const records: TrailRecord[] = [];
    for (let n = 1; n <= length; n++) records.push(await trail.append(entry(`user-${n}`)));
    return { trail, records };
  }
  const verifyCli = () =>
    runCli(['trail', 'verify', '--bucket', bucket, '--prefix', 'trail/'], { cwd: '/', now });
  const versionsOf = async (key: string) => {
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    return { versions: listed.Versions?.length ?? 0, deleteMarkers: listed.DeleteMarkers?.length ?? 0 };
  };

  it('names a delete marker on the newest record (trail verify exits 1)', async () => {
    // Prepare
    const { trail } = await trailOf(5);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: trail.keyOf(5) }));

    // Act
    const run = await verifyCli();

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('trail broken at seq 5:');
    expect(run.stdout).toContain('seq 5: delete marker');
  });

  it('never writes a seq again after a delete marker hid it, and verify still names the marker', async () => {
    // Prepare: the newest record is hidden by a delete marker, then the next rotation appends.
    const { trail } = await trailOf(5);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: trail.keyOf(5) }));

    // Act: a fresh appender (a new Lambda or CLI process) writes the next record.
    const next = await store().append(entry('after-the-marker'));

    // Assess
    expect(next.seq).toBe(6);
    expect(await versionsOf(trail.keyOf(5))).toEqual({ versions: 1, deleteMarkers: 1 });
    const run = await verifyCli();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('seq 5: delete marker');
    expect(run.stdout).not.toContain('overwritten');
  });

  it('names a re-sealed newest record put as a new version', async () => {
    // Prepare: the attacker re-seals seq 5 over seq 4 with an edited reason and puts it (no If-None-Match).
    const { trail, records } = await trailOf(5);
    const forged = seal({ ...entry('user-5'), reason: 'nothing happened here' }, records[3] as TrailRecord);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: trail.keyOf(5),
        Body: `${JSON.stringify(forged)}\n`,
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: new Date(now.getTime() + retentionDays * DAY_MS),
      }),
    );

    // Act
    const run = await verifyCli();

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('trail broken at seq 5:');
    expect(run.stdout).toContain('seq 5: overwritten (2 versions)');
  });

  it('judges the chain over the oldest version, so a re-sealed record never replaces the original', async () => {
    // Prepare
    const { trail, records } = await trailOf(3);
    const forged = seal({ ...entry('user-3'), reason: 'forged' }, records[1] as TrailRecord);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: trail.keyOf(3), Body: JSON.stringify(forged) }),
    );

    // Act
    const read = await readRecords(store());

    // Assess
    expect(read.map((record) => record.hash)).toEqual(records.map((record) => record.hash));
  });

  it('names a record written without COMPLIANCE retention', async () => {
    // Prepare: someone allowed to append writes seq 4 correctly sealed, but without Object Lock retention.
    const { trail, records } = await trailOf(3);
    const appended = seal(entry('no-retention'), records[2] as TrailRecord);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: trail.keyOf(4),
        Body: JSON.stringify(appended),
        IfNoneMatch: '*',
      }),
    );

    // Act
    const run = await verifyCli();

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('trail broken at seq 4:');
    expect(run.stdout).toContain('seq 4: no COMPLIANCE retention');
  });

  it('names retention shorter than the record’s time plus retentionDays', async () => {
    // Prepare
    const { trail, records } = await trailOf(1);
    const appended = seal(entry('short-retention'), records[0] as TrailRecord);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: trail.keyOf(2),
        Body: JSON.stringify(appended),
        IfNoneMatch: '*',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: new Date(now.getTime() + 30 * DAY_MS),
      }),
    );

    // Act
    const result = await store().verify();

    // Assess
    expect(result).toMatchObject({ intact: false, firstBadSeq: 2 });
    expect(result.problem).toContain('seq 2: retained only until 2026-07-01');
  });

  it('keeps keywarden evidence from vouching for, or appending over, a delete marker', async () => {
    // Prepare
    const { trail } = await trailOf(5);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: trail.keyOf(5) }));
    const dir = mkdtempSync(join(tmpdir(), 'keywarden-s3-evidence-'));

    try {
      // Act
      const run = await runFixtureEvidence(['--trail-bucket', bucket], ['--out', 'pack'], { cwd: dir });

      // Assess: the pack says so, and nothing was appended (seq 5 keeps one version, there is no seq 6).
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('seq 5: delete marker');
      expect(readFileSync(join(dir, 'pack', 'evidence.md'), 'utf8')).toContain('AUDIT TRAIL BROKEN at seq 5');
      expect(await versionsOf(trail.keyOf(5))).toEqual({ versions: 1, deleteMarkers: 1 });
      expect(await versionsOf(trail.keyOf(6))).toEqual({ versions: 0, deleteMarkers: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names an unexpected key under the prefix', async () => {
    // Prepare
    await trailOf(2);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'trail/000000000002.json.bak', Body: '{}' }));

    // Act
    const run = await verifyCli();

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('unexpected key trail/000000000002.json.bak');
  });
});
