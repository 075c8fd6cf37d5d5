import * as aws from '@pulumi/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RunningPack,
  recordStack,
  type StackResource,
  startPolicyPack,
} from '../support/policy-harness.js';

let pack: RunningPack;
beforeAll(async () => {
  pack = await startPolicyPack('policypack', { env: { KEYWARDEN_AS_OF: '2026-11-28T09:00:00Z' } });
  await pack.configure({});
});
afterAll(async () => {
  await pack?.close();
});

/** What `pulumi preview --policy-pack policypack` would report: each resource at preview, then the stack. */
async function preview(resources: StackResource[]) {
  const perResource = await Promise.all(resources.map((resource) => pack.analyze(resource)));
  const stack = await pack.analyzeStack(resources);
  return [...perResource, stack].flatMap((analysis) => analysis.diagnostics);
}

describe('a Pulumi program previewed with the policy pack', () => {
  it('is rejected when it creates an access key for its user', async () => {
    // Prepare
    const resources = await recordStack(() => {
      const user = new aws.iam.User('ci', { name: 'ci-deployer' });
      new aws.iam.AccessKey('ci-key', { user: user.name });
    });

    // Act
    const diagnostics = await preview(resources);

    // Assess
    expect(resources.map((r) => r.type)).toEqual(['aws:iam/user:User', 'aws:iam/accessKey:AccessKey']);
    expect(resources[1]!.propertyDependencies).toEqual({ user: [resources[0]!.urn] });
    expect(diagnostics.map((d) => [d.policyName, d.enforcementLevel])).toEqual([
      ['reject-iam-access-keys', 'mandatory'],
    ]);
    expect(diagnostics[0]!.message).toContain(
      'aws.iam.AccessKey "ci-key" creates an Active access key for IAM user "ci-deployer"',
    );
  });

  it('passes when the user is enrolled for managed rotation and gets no key', async () => {
    const resources = await recordStack(() => {
      new aws.iam.User('ci', { name: 'ci-deployer', tags: { 'keywarden:rotation': 'enabled' } });
    });

    const diagnostics = await preview(resources);

    expect(resources.map((r) => r.type)).toEqual(['aws:iam/user:User']);
    expect(diagnostics).toEqual([]);
  });
});
