import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import main from '../../../stacks/rotation/index.js';
import {
  type PackInfo,
  type RunningPack,
  recordStack,
  type StackResource,
  startPolicyPack,
} from '../../support/policy-harness.js';
import { awsMocks, setProjectConfig } from '../../support/pulumi-program.js';

const PROJECT = 'keywarden-rotation';
const PACK_DIR = fileURLToPath(new URL('../../../policypack/', import.meta.url));
const HANDLER_CODE = 'export const handler = async () => ({});';

/** A copy of the recorded stack with one resource's inputs (and outputs) changed. */
function changed(
  resources: StackResource[],
  name: string,
  change: (props: Record<string, unknown>) => Record<string, unknown>,
): StackResource[] {
  return resources.map((resource) =>
    resource.name === name
      ? { ...resource, inputs: change(resource.inputs), outputs: change(resource.outputs ?? resource.inputs) }
      : resource,
  );
}

describe('the rotation stack under the project policy pack', () => {
  let pack: RunningPack;
  let info: PackInfo;
  let stack: StackResource[];
  beforeAll(async () => {
    stack = await recordStack(
      () => {
        setProjectConfig(PROJECT, { notificationEmails: ['security@example.com'] });
        return main({ asOf: new Date('2026-11-28T06:00:00Z'), handlerCode: HANDLER_CODE });
      },
      { mocks: awsMocks(), project: PROJECT, stack: 'prod' },
    );
    pack = await startPolicyPack(PACK_DIR);
    info = await pack.info();
    await pack.configure(Object.fromEntries(info.policies.map((policy) => [policy.name, 'mandatory'])));
  });
  afterAll(async () => {
    await pack?.close();
  });

  const violations = async (resources: StackResource[]) => {
    const analyses = [
      await pack.analyzeStack(resources),
      ...(await Promise.all(resources.map((r) => pack.analyze(r)))),
    ];
    return analyses.flatMap((analysis) => analysis.diagnostics).map((d) => `${d.policyName}: ${d.message}`);
  };

  it('passes every policy, and every stack check applies to it', async () => {
    // Act
    const analysis = await pack.analyzeStack(stack);
    const found = await violations(stack);

    // Assess
    expect(found).toEqual([]);
    const stackPolicies = [
      'require-daily-rotation-schedule',
      'require-rotation-log-retention',
      'require-worm-trail-bucket',
      'require-rotation-lease-bucket',
      'restrict-rotation-role-permissions',
    ];
    expect(analysis.notApplicable.filter((entry) => stackPolicies.includes(entry.policyName))).toEqual([]);
  });

  it('rejects a copy without its lease bucket, and one whose lease bucket has Object Lock', async () => {
    // Act
    const withoutLeases = await violations(stack.filter((resource) => resource.name !== 'leases'));
    const locked = await violations(
      changed(stack, 'leases', (props) => ({ ...props, objectLockEnabled: true })),
    );

    // Assess
    expect(withoutLeases).toEqual([
      expect.stringMatching(/^require-rotation-lease-bucket: .* has no lease bucket in the stack/s),
    ]);
    expect(locked).toEqual([
      expect.stringMatching(/^require-rotation-lease-bucket: .*Lease .* has Object Lock/s),
    ]);
  });

  it('rejects a copy whose logs are kept one day', async () => {
    // Act
    const found = await violations(
      changed(stack, 'function-logs', (props) => ({ ...props, retentionInDays: 1 })),
    );

    // Assess
    expect(found).toEqual([expect.stringMatching(/^require-rotation-log-retention: .*keeps logs 1 days/s)]);
  });

  it('rejects a copy that runs weekly', async () => {
    // Act
    const found = await violations(
      changed(stack, 'rotation-run', (props) => ({ ...props, scheduleExpression: 'rate(7 days)' })),
    );

    // Assess
    expect(found).toEqual([expect.stringMatching(/^require-daily-rotation-schedule: .*rate\(7 days\)/s)]);
  });

  it('rejects a copy whose role may do iam:* on every resource', async () => {
    // Prepare
    const everything = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }],
    };

    // Act
    const found = await violations(
      changed(stack, 'function-permissions', (props) => ({ ...props, policy: JSON.stringify(everything) })),
    );

    // Assess
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^restrict-rotation-role-permissions: .*"iam:\*" on every resource/s),
      ]),
    );
  });

  it('rejects a copy whose trail bucket keeps records in GOVERNANCE mode', async () => {
    // Act
    const found = await violations(
      changed(stack, 'trail-object-lock', (props) => ({
        ...props,
        rule: { defaultRetention: { mode: 'GOVERNANCE', days: 2557 } },
      })),
    );

    // Assess
    expect(found).toEqual([expect.stringMatching(/^require-worm-trail-bucket: .*COMPLIANCE/s)]);
  });

  it('rejects a copy whose trail bucket policy only requires TLS, leaving deletes and overwrites open', async () => {
    // Prepare
    const tlsOnly = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 's3:*',
          Resource: ['arn:aws:s3:::trail', 'arn:aws:s3:::trail/*'],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    };

    // Act
    const found = await violations(
      changed(stack, 'trail-tls-only', (props) => ({ ...props, policy: JSON.stringify(tlsOnly) })),
    );

    // Assess
    expect(found).toEqual([
      expect.stringMatching(/^require-worm-trail-bucket: .*s3:DeleteObject and s3:DeleteObjectVersion/s),
      expect.stringMatching(/^require-worm-trail-bucket: .*s3:PutObject without If-None-Match/s),
    ]);
  });
});
