import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/policy/schema.js';
import { seal } from '../../core/trail/index.js';
import { runCli } from '../support/capture-io.js';
import { docSection, fencedBlocks, REPO } from '../support/docs.js';
import { seedIam } from '../support/iam-seed.js';
import { type Moto, motoAvailable, startMoto } from '../support/moto.js';

const section = docSection('docs/rotation.md', 'rotation');
const trail = docSection('docs/trail.md', 'trail');
const now = new Date('2026-06-01T12:00:00Z');

describe('docs/rotation.md and docs/trail.md', () => {
  it('shows the timeline the default policy produces', () => {
    const { rotation } = parseConfig({}, { asOf: now });
    const deactivation = rotation.rotateAtDays + rotation.deactivateAfterDays;
    expect(section).toContain(`| ${rotation.rotateAtDays} | creates the replacement`);
    expect(section).toContain(`| ${deactivation} (replacement + ${rotation.deactivateAfterDays}) |`);
    expect(section).toContain(
      `| ${deactivation + rotation.deleteAfterDays} (deactivation + ${rotation.deleteAfterDays}) |`,
    );
  });

  it('shows a trail record with exactly the fields a record has', () => {
    const example = JSON.parse(/```json\n(.+)\n```/.exec(trail)?.[1] ?? '{}');
    const record = seal(
      {
        at: now,
        account: '1',
        actor: 'a',
        action: 'key.create',
        user: 'u',
        accessKeyId: null,
        outcome: 'success',
        reason: 'r',
      },
      null,
    );
    expect(Object.keys(example)).toEqual(Object.keys(record));
  });

  describe.skipIf(!motoAvailable())('its command examples, run in order against moto', () => {
    let moto: Moto;
    let dir: string;
    beforeAll(async () => {
      moto = await startMoto();
      moto.useInThisProcess();
      await seedIam(moto, now, [
        {
          name: 'alice',
          tags: { 'keywarden:rotation': 'enabled' },
          keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }],
        },
      ]);
      dir = mkdtempSync(join(tmpdir(), 'keywarden-readme-'));
      // The lease bucket the examples name (a deployment's rotation stack, or one the operator made).
      const leaseBucket = /--lease-bucket (\S+)/.exec(section)?.[1] ?? '';
      const s3 = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true });
      await s3.send(new CreateBucketCommand({ Bucket: leaseBucket }));
      s3.destroy();
    });
    afterAll(async () => {
      rmSync(dir, { recursive: true, force: true });
      await moto?.stop();
    });

    const examples = [...`${section}\n${trail}`.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) =>
      (block[1] ?? '').split('\n').filter((line) => line.startsWith('keywarden ')),
    );

    it('has examples of every command', () => {
      expect(examples.map((line) => line.split(' ').slice(1, 3).join(' '))).toEqual([
        'rotate --user',
        'rotate --user',
        'doctor --user',
        'trail verify',
      ]);
    });

    it('runs each example with exit 0', async () => {
      for (const example of examples) {
        const run = await runCli(example.split(' ').slice(1), { cwd: dir, now });
        expect({ example, code: run.code }).toEqual({ example, code: 0 });
      }
    });
  });
});

describe('docs/rotation.md: the credential_process profile, and which credentials win', () => {
  const guide = docSection('docs/rotation.md', 'credentials');
  const profile = fencedBlocks(guide, 'ini')[0] ?? '';
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-credential-process-'));
  const awsCli = spawnSync('aws', ['--version']).status === 0;
  const fromProcess = 'AKIAFROMKEYWARDEN000';
  const fromEnvironment = 'AKIAFROMENVIRONMENT0';
  beforeAll(() => {
    // A stand-in for `keywarden credentials` on PATH: what matters here is who runs it, not what it prints.
    writeFileSync(
      join(dir, 'keywarden'),
      `#!/bin/sh\necho '{"Version":1,"AccessKeyId":"${fromProcess}","SecretAccessKey":"not-a-secret"}'\n`,
    );
    chmodSync(join(dir, 'keywarden'), 0o755);
    writeFileSync(join(dir, 'config'), profile);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The environment of a consumer: the guide's profile file, `keywarden` on PATH, nothing else of this machine's. */
  const consumerEnv = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
    PATH: `${dir}:${process.env.PATH}`,
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  });
  const environmentKeys = {
    AWS_ACCESS_KEY_ID: fromEnvironment,
    AWS_SECRET_ACCESS_KEY: 'not-a-secret-either',
  };

  /** The access key the aws CLI would sign with, as `aws configure list` shows it (its last four characters). */
  const awsCliKey = (args: string[], env: NodeJS.ProcessEnv) => {
    const run = spawnSync('aws', [...args, 'configure', 'list'], { env: consumerEnv(env), encoding: 'utf8' });
    return /access_key\s+\*+(\w{4})\s+(\S+)/.exec(run.stdout)?.slice(1, 3) ?? [run.stderr];
  };

  /** The access key the AWS SDK for JavaScript v3's default chain resolves. */
  const sdkKey = (env: NodeJS.ProcessEnv) =>
    spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { defaultProvider } from '@aws-sdk/credential-provider-node'; console.log((await defaultProvider()()).accessKeyId);",
      ],
      { cwd: REPO, env: consumerEnv(env), encoding: 'utf8' },
    ).stdout.trim();

  it('shows a profile whose credential_process is keywarden credentials, and says keywarden must be on PATH', () => {
    expect(profile).toContain('credential_process = keywarden credentials --user app-reporting');
    expect(guide).toContain('`keywarden` must be on the `PATH`');
  });

  it.skipIf(!awsCli)(
    'the aws CLI runs keywarden from PATH, unless keys in the environment win over AWS_PROFILE',
    () => {
      expect(awsCliKey([], { AWS_PROFILE: 'app-reporting' })).toEqual([
        fromProcess.slice(-4),
        'custom-process',
      ]);
      expect(awsCliKey([], { AWS_PROFILE: 'app-reporting', ...environmentKeys })).toEqual([
        fromEnvironment.slice(-4),
        'env',
      ]);
      expect(awsCliKey(['--profile', 'app-reporting'], environmentKeys)).toEqual([
        fromProcess.slice(-4),
        'custom-process',
      ]);
    },
  );

  it('the AWS SDK for JavaScript v3 runs keywarden from PATH, and prefers AWS_PROFILE to keys in the environment', () => {
    expect(sdkKey({ AWS_PROFILE: 'app-reporting' })).toBe(fromProcess);
    expect(sdkKey({ AWS_PROFILE: 'app-reporting', ...environmentKeys })).toBe(fromProcess);
    expect(sdkKey(environmentKeys)).toBe(fromEnvironment);
  });
});
