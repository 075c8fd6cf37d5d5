import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  PutBucketPolicyCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { wormBucketStatements } from '../../../core/infra/worm.js';
import { runCli } from '../../support/capture-io.js';
import { type Moto, motoAvailable } from '../../support/moto.js';
import { LEASE_BUCKET, type RotationBed, SCOPE_TAG, useRotationSuite } from '../../support/rotation-bed.js';

const now = new Date('2026-06-01T12:00:00Z');
const lastLine = (text: string) => text.trimEnd().split('\n').at(-1);

describe.skipIf(!motoAvailable())('keywarden doctor against moto', () => {
  let bed: RotationBed;
  let moto: Moto;
  useRotationSuite(
    now,
    [
      { name: 'alice', tags: SCOPE_TAG, keys: [{ ageDays: 30, lastUsedDaysAgo: 1 }] },
      { name: 'not-enrolled', keys: [{ ageDays: 30, lastUsedDaysAgo: 1 }] },
      { name: 'overdue', tags: SCOPE_TAG, keys: [{ ageDays: 120, lastUsedDaysAgo: 1 }] },
    ],
    (running, ready) => {
      moto = running;
      bed = ready;
    },
  );

  const cli = (args: string[], env?: NodeJS.ProcessEnv) => runCli(args, { cwd: bed.dir, now, env });
  /** A JSONL trail with records in it, so that the trail check itself passes. */
  const writtenTrail = async () => {
    await bed.run({ users: ['alice'], force: true });
    return ['--trail-file', bed.trailFile, '--lease-bucket', LEASE_BUCKET];
  };

  it('warns, with the fix, about a user who is not enrolled, and exits 0: manual rotation works', async () => {
    // Prepare
    const trail = await writtenTrail();

    // Act
    const run = await cli(['doctor', '--user', 'not-enrolled', ...trail]);

    // Assess
    expect(run.stdout).toContain(
      'WARN  rotation scope: not tagged keywarden:rotation=enabled: the rotation Lambda leaves it alone; manual rotation (keywarden rotate --user not-enrolled) still works',
    );
    expect(run.stdout).toContain(
      'fix: tag the user to enrol it: aws iam tag-user --user-name not-enrolled --tags Key=keywarden:rotation,Value=enabled',
    );
    expect(run.code).toBe(0);
  });

  it('closes with the count of passed, warned, failed and skipped checks, never "all checks passed"', async () => {
    const trail = await writtenTrail();

    const run = await cli(['doctor', '--user', 'not-enrolled', ...trail]);

    expect(run.stdout).not.toContain('all checks passed');
    expect(lastLine(run.stdout)).toMatch(/^\d+ passed, 1 warned, 0 failed, [1-9]\d* skipped$/);
  });

  it('fails the keys check of an overdue key with the verdict and the fix', async () => {
    const trail = await writtenTrail();

    const run = await cli(['doctor', '--user', 'overdue', ...trail]);

    expect(run.stdout).toMatch(
      /FAIL {2}keys: AKIA\w+ Active 120d overdue: Active access key not rotated in over 90 days \(120 days old\)\./,
    );
    expect(run.stdout).toContain('fix: keywarden rotate --user overdue');
    expect(run.code).toBe(1);
  });

  it('does not pass a trail file that does not exist', async () => {
    const missing = join(bed.dir, 'no-such-trail.jsonl');

    const run = await cli(['doctor', '--trail-file', missing]);

    expect(run.stdout).not.toMatch(/PASS {2}trail/);
    expect(run.stdout).toContain(`WARN  trail (file ${missing}): ${missing} does not exist`);
  });

  it('fails a trail bucket whose Object Lock retention is GOVERNANCE', async () => {
    // Prepare
    const s3 = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'trail-governance', ObjectLockEnabledForBucket: true }));
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: 'trail-governance',
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 2557 } },
        },
      }),
    );
    s3.destroy();

    // Act
    const run = await cli(['doctor', '--trail-bucket', 'trail-governance']);

    // Assess
    expect(run.stdout).toContain('FAIL  trail (s3://trail-governance/trail/)');
    expect(run.stdout).toContain('default retention is GOVERNANCE mode');
    expect(run.code).toBe(1);
  });

  it('does not fail a COMPLIANCE trail bucket with versioning (an empty trail is a warning)', async () => {
    const s3 = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'trail-compliance', ObjectLockEnabledForBucket: true }));
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: 'trail-compliance',
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2557 } },
        },
      }),
    );
    // The bucket policy of the one WORM rule: no delete, no overwrite (the rotation stack writes the same).
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'trail-compliance',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: wormBucketStatements('aws', 'trail-compliance'),
        }),
      }),
    );
    s3.destroy();

    const run = await cli(['doctor', '--trail-bucket', 'trail-compliance']);

    expect(run.stdout).toContain('WARN  trail (s3://trail-compliance/trail/): intact but empty');
    expect(run.stdout).not.toContain('FAIL  trail');
  });

  it('checks that the user name maps to a secret name', async () => {
    const trail = await writtenTrail();

    const run = await cli(['doctor', '--user', 'alice', ...trail]);

    expect(run.stdout).toContain('PASS  secret name: keywarden/123456789012/alice');
  });

  it('writes the documented JSON with --format json', async () => {
    const trail = await writtenTrail();

    const run = await cli(['doctor', '--user', 'overdue', '--format', 'json', ...trail]);

    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      schemaVersion: 1,
      tool: { name: 'keywarden' },
      checkedAt: now.toISOString(),
      summary: { passed: expect.any(Number), warned: 0, failed: 1, skipped: expect.any(Number) },
    });
    expect(report.checks.map((check: { id: string }) => check.id)).toEqual(
      expect.arrayContaining([
        'config',
        'region',
        'credentials',
        'permissions:rotate',
        'user',
        'keys',
        'lease',
        'trail',
      ]),
    );
    expect(report.checks.find((check: { id: string }) => check.id === 'keys')).toMatchObject({
      title: 'keys',
      status: 'fail',
      fix: 'keywarden rotate --user overdue',
    });
    expect(run.code).toBe(1);
  });

  it('stores the secret in the profile’s region and doctor reports that region and its origin', async () => {
    // Prepare: a profile whose region is eu-central-1, no AWS_REGION or AWS_DEFAULT_REGION.
    const dir = mkdtempSync(join(tmpdir(), 'keywarden-profile-'));
    const configFile = join(dir, 'config');
    writeFileSync(
      configFile,
      '[profile residency]\nregion = eu-central-1\naws_access_key_id = testing\naws_secret_access_key = testing\n',
    );
    const env: NodeJS.ProcessEnv = { ...process.env, AWS_PROFILE: 'residency', AWS_CONFIG_FILE: configFile };
    delete env.AWS_REGION;
    delete env.AWS_DEFAULT_REGION;
    const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
    const savedProfile = {
      AWS_PROFILE: process.env.AWS_PROFILE,
      AWS_CONFIG_FILE: process.env.AWS_CONFIG_FILE,
    };
    // The SDK reads this process's environment itself: make it the one the CLI is given.
    Object.assign(process.env, { AWS_PROFILE: 'residency', AWS_CONFIG_FILE: configFile });
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      // Act
      const rotated = await cli(
        ['rotate', '--user', 'alice', '--yes', '--trail-file', bed.trailFile, '--lease-bucket', LEASE_BUCKET],
        env,
      );
      const doctor = await cli(['doctor', '--trail-file', bed.trailFile], env);

      // Assess
      expect(rotated.code).toBe(0);
      const inRegion = async (region: string) => {
        const client = new SecretsManagerClient({ region, endpoint: moto.endpoint });
        try {
          const listed = await client.send(new ListSecretsCommand({}));
          return (listed.SecretList ?? []).map((secret) => secret.Name);
        } finally {
          client.destroy();
        }
      };
      expect(await inRegion('eu-central-1')).toEqual(['keywarden/123456789012/alice']);
      expect(await inRegion('us-east-1')).toEqual([]);
      expect(doctor.stdout).toContain('PASS  region: eu-central-1 (from profile residency');
    } finally {
      for (const [name, value] of Object.entries({ ...saved, ...savedProfile })) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
