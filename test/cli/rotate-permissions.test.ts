import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../core/time.js';
import { runCli } from '../support/capture-io.js';
import { type Moto, motoAvailable, startMoto } from '../support/moto.js';

const now = new Date('2026-06-01T12:00:00Z');
/** The requests moto serves before it starts checking credentials and policies: the setup below. */
const SETUP_REQUESTS = 8;

describe.skipIf(!motoAvailable())('keywarden rotate with missing permissions (moto auth on)', () => {
  let moto: Moto;
  let dir: string;
  const credentials: Record<string, { accessKeyId: string; secretAccessKey: string }> = {};
  const client = (who: string) =>
    new IAMClient({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: credentials[who],
      maxAttempts: 1,
    });

  beforeAll(async () => {
    process.env.INITIAL_NO_AUTH_ACTION_COUNT = String(SETUP_REQUESTS);
    moto = await startMoto();
    delete process.env.INITIAL_NO_AUTH_ACTION_COUNT;
    dir = mkdtempSync(join(tmpdir(), 'keywarden-auth-'));
    const setup = new IAMClient({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    });
    const policy = (actions: string[]) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
      });
    for (const [name, actions] of [
      ['auditor', ['*']],
      [
        'read-only-operator',
        ['iam:Get*', 'iam:List*', 'sts:GetCallerIdentity', 'secretsmanager:DescribeSecret'],
      ],
    ] as const) {
      await setup.send(new CreateUserCommand({ UserName: name }));
      const key = (await setup.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      credentials[name] = {
        accessKeyId: key?.AccessKeyId as string,
        secretAccessKey: key?.SecretAccessKey as string,
      };
      await setup.send(
        new PutUserPolicyCommand({
          UserName: name,
          PolicyName: 'access',
          PolicyDocument: policy([...actions]),
        }),
      );
    }
    moto.setNow(new Date(now.getTime() - 85 * DAY_MS));
    await setup.send(new CreateUserCommand({ UserName: 'alice' }));
    await setup.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
    moto.setNow(now);
    setup.destroy();
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await moto?.stop();
  });

  it('says in one line what is denied, exits 3, and changes nothing', async () => {
    const operator = credentials['read-only-operator'];
    const env = {
      ...process.env,
      ...moto.env,
      AWS_ACCESS_KEY_ID: operator?.accessKeyId,
      AWS_SECRET_ACCESS_KEY: operator?.secretAccessKey,
    };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    delete process.env.AWS_SESSION_TOKEN;
    let run: Awaited<ReturnType<typeof runCli>>;
    try {
      run = await runCli(
        [
          'rotate',
          '--user',
          'alice',
          '--yes',
          '--trail-file',
          join(dir, 'trail.jsonl'),
          '--lease-bucket',
          'keywarden-leases',
        ],
        {
          cwd: dir,
          now,
          env,
        },
      );
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/alice: failed: .*(AccessDenied|not authorized)/i);
    const auditor = client('auditor');
    const keys = await auditor.send(new ListAccessKeysCommand({ UserName: 'alice' }));
    expect(keys.AccessKeyMetadata).toHaveLength(1);
    const secrets = new SecretsManagerClient({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: credentials.auditor,
      maxAttempts: 1,
    });
    expect((await secrets.send(new ListSecretsCommand({}))).SecretList ?? []).toEqual([]);
    auditor.destroy();
    secrets.destroy();
  });
});
