import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../core/time.js';
import { S3TrailStore } from '../../core/trail/index.js';
import { runCli } from '../support/capture-io.js';
import { markUsed } from '../support/iam-seed.js';
import { type Moto, motoAvailable, startMoto } from '../support/moto.js';

const asOf = new Date('2026-11-28T09:00:00Z');
const bucket = 'keywarden-trail';

describe.skipIf(!motoAvailable())('keywarden evidence of a live account and an S3 trail (moto)', () => {
  let moto: Moto;
  let iam: IAMClient;
  let s3: S3Client;
  let out: string;
  /** Every secret access key moto handed out: none may appear in the pack, the trail or the output. */
  const secrets: string[] = [];
  const keyIds: string[] = [];

  beforeAll(async () => {
    moto = await startMoto();
    moto.useInThisProcess();
    iam = new IAMClient({ region: 'us-east-1', endpoint: moto.endpoint, maxAttempts: 2 });
    s3 = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true, maxAttempts: 2 });
    out = mkdtempSync(join(tmpdir(), 'keywarden-evidence-live-'));
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    // build-bot mid-rotation: the old key is 100 days old, its replacement 8 days old.
    await iam.send(new CreateUserCommand({ UserName: 'build-bot' }));
    for (const ageDays of [100, 8]) {
      moto.setNow(new Date(asOf.getTime() - ageDays * DAY_MS));
      const created = await iam.send(new CreateAccessKeyCommand({ UserName: 'build-bot' }));
      keyIds.push(created.AccessKey?.AccessKeyId as string);
      secrets.push(created.AccessKey?.SecretAccessKey as string);
      await markUsed(moto, keyIds.at(-1) as string);
    }
    moto.setNow(asOf);
    // The retention the config (the default here) requires: verify checks each record's Object Lock against it.
    const trail = new S3TrailStore({ bucket, prefix: 'trail/', retentionDays: 2557 });
    const entry = { account: '123456789012', actor: 'lambda:keywarden-rotation', user: 'build-bot' } as const;
    await trail.append({
      ...entry,
      at: new Date(asOf.getTime() - 8 * DAY_MS),
      action: 'key.create',
      accessKeyId: keyIds[1]!,
      outcome: 'success',
      reason: 'key age 92 days reached rotateAtDays 80',
    });
    await trail.append({
      ...entry,
      at: new Date(asOf.getTime() - 8 * DAY_MS + 1000),
      action: 'secret.store',
      accessKeyId: keyIds[1]!,
      outcome: 'success',
      reason: 'stored as keywarden/123456789012/build-bot',
    });
  });
  afterAll(async () => {
    iam?.destroy();
    s3?.destroy();
    await moto?.stop();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('writes a pack from the IAM API and the S3 trail, records its digest there, and leaks no secret', async () => {
    // Act
    const run = await runCli(
      [
        'evidence',
        '--source',
        'api',
        '--trail-bucket',
        bucket,
        '--as-of',
        asOf.toISOString(),
        '--out',
        'pack',
      ],
      { cwd: out, now: asOf },
    );

    // Assess
    expect(run.stderr).toMatch(
      /^keywarden: evidence written to pack \(pack sha256 [0-9a-f]{64}, trail seq 3\)\n$/,
    );
    expect(run.code).toBe(0);
    const pack = join(out, 'pack');
    const files = readdirSync(pack).map((name) => readFileSync(join(pack, name), 'utf8'));
    const html = readFileSync(join(pack, 'evidence.html'), 'utf8');
    expect(keyIds.every((id) => html.includes(id))).toBe(true);
    expect(html).toContain('<span class="badge overdue">overdue</span>');

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'trail/' }));
    const objects = await Promise.all(
      (listed.Contents ?? []).map(async (object) =>
        (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }))).Body!.transformToString(),
      ),
    );
    const record = JSON.parse(objects.at(-1)!);
    expect(record).toMatchObject({ seq: 3, action: 'evidence.generated' });
    expect(record.actor).toMatch(/^arn:aws:(iam|sts)::/);

    const everything = [...files, ...objects, run.stdout, run.stderr].join('\n');
    expect(secrets.filter((secret) => secret.length >= 40).length).toBe(2);
    const leaked = secrets.filter((secret) => everything.includes(secret)).length;
    expect(leaked).toBe(0);
  });
});
