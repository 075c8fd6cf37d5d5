import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectLockConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../core/time.js';
import { S3TrailStore, type TrailEntry } from '../../../core/trail/index.js';
import { runCli } from '../../support/capture-io.js';
import { type Moto, motoAvailable, startMoto } from '../../support/moto.js';
import { readRecords } from '../../support/trail-records.js';

const now = new Date('2026-06-01T12:00:00Z');
const bucket = 'keywarden-trail';

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

describe.skipIf(!motoAvailable())('S3 trail store (Object Lock) against moto', () => {
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

  const store = (prefix = 'trail/') => new S3TrailStore({ bucket, prefix, retentionDays: 2557 });

  it('writes one object per record under COMPLIANCE retention from the config', async () => {
    const trail = store();
    await trail.append(entry('alice'));
    await trail.append(entry('bob'));
    const retention = await trail.retentionOf(2);
    expect(retention.mode).toBe('COMPLIANCE');
    expect(retention.retainUntil?.getTime()).toBe(now.getTime() + 2557 * DAY_MS);
    const lock = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
    expect(lock.ObjectLockConfiguration?.ObjectLockEnabled).toBe('Enabled');
    expect(await trail.verify()).toMatchObject({ intact: true, records: 2 });
  });

  it('never forks the chain when independent writers race for the same seq', async () => {
    const writers = Array.from({ length: 4 }, () => store());
    await Promise.all(
      writers.flatMap((writer, w) => Array.from({ length: 5 }, (_, n) => writer.append(entry(`w${w}-${n}`)))),
    );
    const records = await readRecords(store());
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
    expect(new Set(records.map((r) => r.user)).size).toBe(20);
    expect(await store().verify()).toMatchObject({ intact: true });
  });

  it('reads the records of a period without fetching objects written before it', async () => {
    const trail = store();
    await trail.append(entry('alice'));
    expect((await readRecords(trail, { from: now })).map((r) => r.user)).toEqual(['alice']);
    expect(await trail.read({ from: new Date(Date.now() + 10 * DAY_MS) })).toEqual([]);
  });

  it('keeps chains under different prefixes apart', async () => {
    await store('a/').append(entry('alice'));
    await store('b/').append(entry('bob'));
    expect((await readRecords(store('a/'))).map((r) => r.user)).toEqual(['alice']);
  });

  it('names a deleted record (trail verify exits 1)', async () => {
    const trail = store();
    for (const user of ['a', 'b', 'c']) await trail.append(entry(user));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: trail.keyOf(2) }));
    const run = await runCli(['trail', 'verify', '--bucket', bucket, '--prefix', 'trail/'], {
      cwd: '/',
      now,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('trail broken at seq 2:');
  });

  it('names a record overwritten with a new version', async () => {
    const trail = store();
    for (const user of ['a', 'b', 'c']) await trail.append(entry(user));
    const [, second] = await readRecords(trail);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: trail.keyOf(2),
        Body: JSON.stringify({ ...second, user: 'x' }),
      }),
    );
    expect(await trail.verify()).toMatchObject({ intact: false, firstBadSeq: 2 });
  });

  it('reads an unparseable object as an unreadable entry naming its key, never as a hidden null (issue #25 item 2)', async () => {
    const trail = store();
    await trail.append(entry('alice'));
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: trail.keyOf(2),
        Body: '{"seq": 2, "at": tru',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: new Date(now.getTime() + 2557 * DAY_MS),
      }),
    );
    const stored = await trail.read();
    expect(stored).not.toContain(null);
    expect(stored[1]).toMatchObject({
      unreadable: true,
      seq: 2,
      location: `s3://${bucket}/${trail.keyOf(2)}`,
    });
    const inPeriod = await trail.read({ from: new Date(now.getTime() - DAY_MS) });
    expect(inPeriod).toHaveLength(2);
    expect(await trail.verify()).toMatchObject({ intact: false, firstBadSeq: 2 });
  });

  it('reports an intact bucket trail with exit 0', async () => {
    await store().append(entry('alice'));
    const run = await runCli(['trail', 'verify', '--bucket', bucket], { cwd: '/', now });
    expect(run.stdout).toContain('trail intact: 1 records');
    expect(run.code).toBe(0);
  });
});
