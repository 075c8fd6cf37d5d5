import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../support/capture-io.js';

// moto answers SimulatePrincipalPolicy with an HTML 500: the fault-only mock is the way to see what is asked.
const iam = mockClient(IAMClient);
const sts = mockClient(STSClient);

const SIGNING_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OPERATOR = 'arn:aws:iam::123456789012:user/ops';

/** Every action allowed except `deny`. */
function simulate(deny: string[]) {
  iam.on(SimulatePrincipalPolicyCommand).callsFake((input: { ActionNames: string[] }) => ({
    EvaluationResults: input.ActionNames.map((action) => ({
      EvalActionName: action,
      EvalDecision: deny.includes(action) ? 'implicitDeny' : 'allowed',
    })),
  }));
}

function doctor(config: string) {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-doctor-signing-'));
  writeFileSync(join(dir, 'keywarden.yml'), config);
  return runCli(
    ['doctor', '--config', join(dir, 'keywarden.yml'), '--trail-file', join(dir, 'trail.jsonl')],
    {
      cwd: dir,
      now: new Date('2026-06-01T12:00:00Z'),
    },
  );
}

const simulations = () => iam.commandCalls(SimulatePrincipalPolicyCommand).map((call) => call.args[0].input);

beforeEach(() => {
  for (const [name, value] of Object.entries({
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  }))
    vi.stubEnv(name, value);
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: OPERATOR });
});

afterEach(() => {
  iam.reset();
  sts.reset();
  vi.unstubAllEnvs();
});

describe('keywarden doctor with a trail signing key', () => {
  it('simulates kms:Sign and kms:GetPublicKey against the signing key itself', async () => {
    // Prepare
    simulate([]);

    // Act
    const run = await doctor(`trail:\n  signingKey: ${SIGNING_KEY}\n`);

    // Assess
    expect(simulations()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ActionNames: ['kms:Sign'], ResourceArns: [SIGNING_KEY] }),
        expect.objectContaining({ ActionNames: ['kms:GetPublicKey'], ResourceArns: [SIGNING_KEY] }),
      ]),
    );
    expect(run.stdout).toContain('PASS  permissions for trail-sign');
    expect(run.stdout).toContain('PASS  permissions for trail-signature-check');
  });

  it('fails where the caller may not read the public key, saying on which key and why it is needed', async () => {
    // Prepare
    simulate(['kms:GetPublicKey']);

    // Act
    const run = await doctor(`trail:\n  signingKey: ${SIGNING_KEY}\n`);

    // Assess
    expect(run.stdout).toContain('FAIL  permissions for trail-signature-check');
    expect(run.stdout).toContain(`grant them on ${SIGNING_KEY} to ${OPERATOR}`);
    expect(run.code).toBe(1);
  });

  it('asks nothing about signing where no signing key is configured', async () => {
    // Prepare
    simulate([]);

    // Act
    const run = await doctor('maxKeyAgeDays: 90\n');

    // Assess
    expect(simulations().flatMap((input) => input.ActionNames ?? [])).not.toContain('kms:Sign');
    expect(run.stdout).not.toContain('trail-sign');
  });
});
