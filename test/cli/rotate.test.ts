import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/capture-io.js';
import { type Moto, motoAvailable } from '../support/moto.js';
import { LEASE_BUCKET, type RotationBed, SCOPE_TAG, useRotationSuite } from '../support/rotation-bed.js';
import { readRecords } from '../support/trail-records.js';

const now = new Date('2026-06-01T12:00:00Z');

describe.skipIf(!motoAvailable())('keywarden rotate and doctor against moto', () => {
  let bed: RotationBed;
  let moto: Moto;
  useRotationSuite(
    now,
    [
      { name: 'alice', tags: SCOPE_TAG, keys: [{ ageDays: 30, lastUsedDaysAgo: 1 }] },
      {
        name: 'two-active',
        keys: [
          { ageDays: 85, lastUsedDaysAgo: 1 },
          { ageDays: 20, lastUsedDaysAgo: 1 },
        ],
      },
      {
        // Issue 22 item 2: two active keys, neither stored by keywarden, both younger than rotateAtDays.
        name: 'bob',
        tags: SCOPE_TAG,
        keys: [
          { ageDays: 30, lastUsedDaysAgo: 1 },
          { ageDays: 20, lastUsedDaysAgo: 1 },
        ],
      },
      // Issue 22 item 3: not enrolled (no scope tag), no key.
      { name: 'carol', keys: [] },
    ],
    (started, ready) => {
      moto = started;
      bed = ready;
    },
  );

  const cli = (args: string[], extra: { tty?: boolean; stdinText?: string } = {}) =>
    runCli(args, { cwd: bed.dir, now, ...extra });
  const trailArgs = () => ['--trail-file', bed.trailFile, '--lease-bucket', LEASE_BUCKET];

  it('prints the plan and changes nothing with --dry-run', async () => {
    const before = await bed.keys('alice');
    const run = await cli(['rotate', '--user', 'alice', '--dry-run', ...trailArgs()]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('alice: plan: manual rotation');
    expect(run.stdout).toContain('create');
    expect(run.stdout).toContain('dry run: nothing changed');
    expect(await bed.keys('alice')).toEqual(before);
    expect(await bed.secretNames()).toEqual([]);
    expect(await readRecords(bed.trail)).toEqual([]);
  });

  it('rotates with --yes, stores the secret and writes the trail, never printing the secret', async () => {
    const run = await cli(['rotate', '--user', 'alice', '--yes', ...trailArgs()]);
    const stored = await bed.storedSecret('alice');
    const secret = stored?.SecretAccessKey ?? 'missing';
    expect(run.code).toBe(0);
    expect(await bed.keys('alice')).toHaveLength(2);
    expect(run.stdout).toContain(`done: create ${stored?.AccessKeyId}`);
    expect(run.stdout.includes(secret) || run.stderr.includes(secret)).toBe(false);
    expect(readFileSync(bed.trailFile, 'utf8').includes(secret)).toBe(false);
    expect((await readRecords(bed.trail)).map((r) => r.action)).toEqual([
      'key.create',
      'secret.store',
      'notice',
    ]);
  });

  it('names in the new-key notice who used the old key, from CloudTrail', async () => {
    const old = (await bed.keys('alice'))[0];
    const run = await cli(['rotate', '--user', 'alice', '--yes', ...trailArgs()]);
    expect(run.code).toBe(0);
    // The bed signed one request with the old key a day ago: the SDK that did it is the consumer.
    expect(run.stdout).toContain(
      `Seen using the old key ${old?.id} since 2026-03-03T12:00:00Z (CloudTrail event history of us-east-1):`,
    );
    expect(run.stdout).toMatch(
      / {2}- 127\.0\.0\.1 · aws-sdk-js\/3\.\S+ .* · last seen 2026-05-31T\d\d:\d\d:\d\dZ \(1 event\)/,
    );
    expect(run.stdout).toContain('Move each of them to the new key before the old one is deactivated.');
  });

  it('says on stderr where trail records go when no store is named', async () => {
    const run = await cli(['rotate', '--user', 'alice', '--yes', '--lease-bucket', LEASE_BUCKET]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`trail records go to file ${join(bed.dir, 'keywarden-trail.jsonl')}`);
    expect(
      readFileSync(join(bed.dir, 'keywarden-trail.jsonl'), 'utf8').split('\n').filter(Boolean),
    ).toHaveLength(3);
  });

  it('asks at a terminal and changes nothing when the answer is no', async () => {
    const run = await cli(['rotate', '--user', 'alice', ...trailArgs()], { tty: true, stdinText: 'n\n' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('not confirmed: nothing changed');
    expect(await bed.keys('alice')).toHaveLength(1);
  });

  it('refuses to mutate without --yes when not at a terminal', async () => {
    const run = await cli(['rotate', '--user', 'alice', ...trailArgs()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'keywarden: rotate changes keys: pass --yes to confirm when not running at a terminal\n',
    );
    expect(await bed.keys('alice')).toHaveLength(1);
  });

  it('prints the secret once, with a warning, only when --deliver stdout is asked for', async () => {
    const run = await cli(['rotate', '--user', 'alice', '--yes', '--deliver', 'stdout', ...trailArgs()]);
    const stored = await bed.storedSecret('alice');
    const printed = /SecretAccessKey: (\S+)/.exec(run.stdout)?.[1] ?? '';
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('WARNING: --deliver stdout prints the new secret access key once');
    expect(printed.length).toBeGreaterThan(20);
    expect(run.stdout.split(printed)).toHaveLength(2);
    expect(stored?.AccessKeyId).toBe((await bed.keys('alice'))[1]?.id);
    expect(JSON.stringify(stored).includes(printed)).toBe(false);
    expect(readFileSync(bed.trailFile, 'utf8').includes(printed)).toBe(false);
    expect((await readRecords(bed.trail)).map((r) => r.action)).toContain('secret.deliver-stdout');
  });

  it('tells the owner after --deliver stdout that the key was shown once, never that Secrets Manager holds it', async () => {
    // Act
    const run = await cli(['rotate', '--user', 'alice', '--yes', '--deliver', 'stdout', ...trailArgs()]);

    // Assess
    const notice = run.stdout.slice(run.stdout.indexOf('notice for the owner:'));
    expect(run.code).toBe(0);
    expect(notice).not.toContain('is in Secrets Manager');
    expect(notice).not.toContain('get-secret-value');
    expect(notice).toContain('was shown once to the operator who ran keywarden rotate');
  });

  it('prints one JSON result with each planned step’s due instant and no secret, with --format json', async () => {
    // Act
    const run = await cli(['rotate', '--user', 'alice', '--yes', '--format', 'json', ...trailArgs()]);

    // Assess
    const stored = await bed.storedSecret('alice');
    const result = JSON.parse(run.stdout);
    expect(run.code).toBe(0);
    expect(result).toMatchObject({
      schemaVersion: 1,
      tool: { name: 'keywarden' },
      account: '123456789012',
      user: 'alice',
      at: now.toISOString(),
      dryRun: false,
      status: 'done',
      plan: [{ kind: 'create', keyId: null, dueAt: now.toISOString() }],
      results: [{ kind: 'create', keyId: stored?.AccessKeyId, outcome: 'done' }],
      notices: [{ kind: 'new-key' }],
      exitCode: 0,
    });
    expect(run.stdout.includes(stored?.SecretAccessKey ?? 'missing')).toBe(false);
  });

  it('prints the plan as JSON and changes nothing with --dry-run --format json', async () => {
    // Act
    const run = await cli(['rotate', '--user', 'alice', '--dry-run', '--format', 'json', ...trailArgs()]);

    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      dryRun: true,
      status: 'planned',
      plan: [{ kind: 'create' }],
      results: [],
      exitCode: 0,
    });
    expect(await bed.keys('alice')).toHaveLength(1);
  });

  it('refuses --format json with --deliver stdout, changing nothing', async () => {
    // Act
    const run = await cli([
      'rotate',
      '--user',
      'alice',
      '--yes',
      '--format',
      'json',
      '--deliver',
      'stdout',
      ...trailArgs(),
    ]);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'keywarden: --format json never carries a secret, and --deliver stdout prints one: choose one of them\n',
    );
    expect(run.stdout).toBe('');
    expect(await bed.keys('alice')).toHaveLength(1);
  });

  it('refuses an unknown user with one line and exit 2', async () => {
    const run = await cli(['rotate', '--user', 'nobody', '--yes', ...trailArgs()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('keywarden: user nobody does not exist in account 123456789012\n');
  });

  it('refuses a user with two active keys, changing nothing', async () => {
    const before = await bed.keys('two-active');
    const run = await cli(['rotate', '--user', 'two-active', '--yes', ...trailArgs()]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('refused, nothing changed: two active keys');
    expect(await bed.keys('two-active')).toEqual(before);
    expect(await bed.secretNames()).toEqual([]);
  });

  it('doctor passes for a healthy user and reports simulation as could-not-check', async () => {
    const run = await cli(['doctor', '--user', 'alice', ...trailArgs()]);
    expect(run.stdout).toMatch(/PASS {2}credentials \(STS\): .* in account 123456789012/);
    expect(run.stdout).toContain('SKIP  permissions for rotate: could not check');
    expect(run.stdout).toContain('PASS  rotation scope');
    expect(run.stdout).toContain(
      'PASS  rotation plan: keywarden rotate --user alice would: planned: manual rotation',
    );
    // The closing line counts every status (it said "all checks passed" with checks skipped).
    // permissions:audit, :rotate and :consumers cannot be checked against moto (no policy simulation).
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/^\d+ passed, 1 warned, 0 failed, 3 skipped$/);
    expect(run.code).toBe(0);
  });

  it('doctor fails with a fix hint for a user that rotation cannot handle', async () => {
    const run = await cli(['doctor', '--user', 'two-active', ...trailArgs()]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('FAIL  keys:');
    expect(run.stdout).toContain('fix: delete the key not in use');
    // Not enrolled is a warning with the fix (it failed the run); the blocked rotation still fails it.
    expect(run.stdout).toContain('WARN  rotation scope');
  });

  it('doctor shows the plan rotate would make, and fails where rotate is blocked (issue 22 item 2)', async () => {
    // Act
    const doctor = await cli(['doctor', '--user', 'bob', '--format', 'json', ...trailArgs()]);
    const rotate = await cli(['rotate', '--user', 'bob', '--dry-run', '--format', 'json', ...trailArgs()]);

    // Assess: one planner call with the same inputs, one answer.
    const plan = JSON.parse(doctor.stdout).checks.find((c: { id: string }) => c.id === 'rotation-plan');
    const planned = JSON.parse(rotate.stdout);
    expect(rotate.code).toBe(1);
    expect(planned.status).toBe('blocked');
    expect(plan.status).toBe('fail');
    expect(plan.detail).toContain(planned.reason);
    expect(doctor.code).toBe(1);
  });

  it('records a manual rotation of a user outside the rotation scope as such, never as newly enrolled (issue 22 item 3)', async () => {
    // Act
    const dry = await cli(['rotate', '--user', 'carol', '--dry-run', ...trailArgs()]);
    const run = await cli(['rotate', '--user', 'carol', '--yes', ...trailArgs()]);

    // Assess: the plan, the output and the permanent record say what happened.
    const records = await readRecords(bed.trail);
    const created = records.find((record) => record.action === 'key.create');
    expect(run.code).toBe(0);
    for (const text of [dry.stdout, run.stdout, created?.reason ?? '']) {
      expect(text).not.toContain('newly enrolled');
      expect(text).toContain('outside the rotation scope');
    }
    expect(created?.reason).toBe(
      'first key of carol, a manual rotation of a user outside the rotation scope (not tagged keywarden:rotation=enabled)',
    );
  });

  it('gives the next step right after a rotation with --format json', async () => {
    // Act
    const run = await cli(['rotate', '--user', 'alice', '--yes', '--format', 'json', ...trailArgs()]);

    // Assess: the old key's deactivation is known the moment its replacement exists.
    const result = JSON.parse(run.stdout);
    const oldKey = (await bed.keys('alice'))[0]?.id;
    expect(result.status).toBe('done');
    expect(result.next).toEqual({
      what: `deactivate ${oldKey}`,
      at: new Date(now.getTime() + 7 * 86_400_000).toISOString(),
    });
  });

  it('warns once when rotate writes to an S3 trail bucket that is not write-once (also seen in issue 22)', async () => {
    // Prepare: Object Lock (so records can be written) but no default retention and no deny policy.
    const { CreateBucketCommand, S3Client } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'lax-trail', ObjectLockEnabledForBucket: true }));
    s3.destroy();

    // Act
    const doctor = await cli(['doctor', '--trail-bucket', 'lax-trail']);
    const run = await cli([
      'rotate',
      '--user',
      'alice',
      '--yes',
      '--trail-bucket',
      'lax-trail',
      '--lease-bucket',
      LEASE_BUCKET,
    ]);

    // Assess: the same rule speaks in both; the rotation itself goes ahead.
    const warnings = run.stderr.split('\n').filter((line) => line.includes('not write-once'));
    expect(doctor.stdout).toMatch(/FAIL {2}trail .*not write-once/);
    expect(run.code).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^keywarden: WARNING: the trail bucket lax-trail is not write-once: /);
  });

  it('refuses, changing nothing, to rotate into an S3 trail bucket without Object Lock', async () => {
    // Prepare
    const { CreateBucketCommand, S3Client } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'plain-trail' }));
    s3.destroy();
    const before = await bed.keys('alice');

    // Act
    const run = await cli([
      'rotate',
      '--user',
      'alice',
      '--yes',
      '--trail-bucket',
      'plain-trail',
      '--lease-bucket',
      LEASE_BUCKET,
    ]);

    // Assess: before, the key was created and then its record refused (exit 3, a repair for the next run).
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^keywarden: the trail bucket plain-trail has no Object Lock, .*nothing changed/,
    );
    expect(await bed.keys('alice')).toEqual(before);
  });

  it('doctor fails on a broken trail', async () => {
    await cli(['rotate', '--user', 'alice', '--yes', ...trailArgs()]);
    const lines = readFileSync(bed.trailFile, 'utf8').trimEnd().split('\n');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(bed.dir, 'broken.jsonl'), `${[lines[0], lines[2]].join('\n')}\n`);
    const run = await cli(['doctor', '--trail-file', join(bed.dir, 'broken.jsonl')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('broken at seq 2');
  });

  it('signs each trail record with --trail-signing-key, and refuses an alias before changing anything', async () => {
    // Prepare
    const kms = new KMSClient({});
    const created = await kms.send(
      new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
    );
    kms.destroy();
    const keyArn = created.KeyMetadata?.Arn ?? '';

    // Act
    const alias = await cli([
      'rotate',
      '--user',
      'alice',
      '--yes',
      ...trailArgs(),
      '--trail-signing-key',
      'alias/trail',
    ]);
    const run = await cli([
      'rotate',
      '--user',
      'alice',
      '--yes',
      ...trailArgs(),
      '--trail-signing-key',
      keyArn,
    ]);

    // Assess
    expect(alias.code).toBe(2);
    expect(alias.stderr).toContain('--trail-signing-key: "alias/trail" is not a KMS key ARN');
    expect(run.code).toBe(0);
    const records = await readRecords(bed.trail);
    expect(records.map((r) => [r.action, r.version, r.signingKey])).toEqual([
      ['key.create', 2, keyArn],
      ['secret.store', 2, keyArn],
      ['notice', 2, keyArn],
    ]);
  });
});
