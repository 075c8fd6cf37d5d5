import {
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUserTagsCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../support/capture-io.js';

// moto has no policy simulation and one partition: the fault-only mock is the way to see what is asked.
const iam = mockClient(IAMClient);
const sts = mockClient(STSClient);
const secrets = mockClient(SecretsManagerClient);

afterEach(() => {
  iam.reset();
  sts.reset();
  secrets.reset();
  vi.unstubAllEnvs();
});

describe('keywarden doctor --user in another partition, for a user with a path', () => {
  it('simulates the rotation permissions against the user’s real ARN', async () => {
    // Prepare
    for (const [name, value] of Object.entries({
      AWS_REGION: 'cn-north-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    }))
      vi.stubEnv(name, value);
    const userArn = 'arn:aws-cn:iam::123456789012:user/team/payments/alice';
    sts.on(GetCallerIdentityCommand).resolves({
      Account: '123456789012',
      Arn: 'arn:aws-cn:iam::123456789012:user/ops',
    });
    iam.on(GetUserCommand).resolves({
      User: {
        UserName: 'alice',
        Arn: userArn,
        Path: '/team/payments/',
        UserId: 'AIDAEXAMPLE',
        CreateDate: new Date('2026-01-01T00:00:00Z'),
      },
    });
    iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [] });
    iam.on(ListUserTagsCommand).resolves({ Tags: [] });
    iam.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [] });
    iam.on(GetAccessKeyLastUsedCommand).resolves({});
    iam.on(SimulatePrincipalPolicyCommand).callsFake((input: { ActionNames: string[] }) => ({
      EvaluationResults: input.ActionNames.map((action) => ({
        EvalActionName: action,
        EvalDecision: 'allowed',
      })),
    }));

    // Act
    const run = await runCli(['doctor', '--user', 'alice', '--trail-file', 'no-such.jsonl'], {
      cwd: process.cwd(),
      now: new Date('2026-06-01T12:00:00Z'),
    });

    // Assess
    const rotateSimulation = iam
      .commandCalls(SimulatePrincipalPolicyCommand)
      .map((call) => call.args[0].input)
      .find((input) => input.ActionNames?.includes('iam:CreateAccessKey'));
    expect(rotateSimulation?.ResourceArns).toEqual([userArn]);
    expect(rotateSimulation?.PolicySourceArn).toBe('arn:aws-cn:iam::123456789012:user/ops');
    expect(run.stdout).toContain('PASS  permissions for rotate');
  });
});
