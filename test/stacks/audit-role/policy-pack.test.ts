import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import main from '../../../stacks/audit-role/index.js';
import {
  type RunningPack,
  recordStack,
  type StackResource,
  startPolicyPack,
} from '../../support/policy-harness.js';
import { awsMocks, setProjectConfig } from '../../support/pulumi-program.js';

const PROJECT = 'keywarden-audit-role';
const PACK_DIR = fileURLToPath(new URL('../../../policypack/', import.meta.url));

describe('the audit-role stack under the project policy pack', () => {
  let pack: RunningPack;
  let stack: StackResource[];
  beforeAll(async () => {
    stack = await recordStack(
      () => {
        setProjectConfig(PROJECT, {
          repository: 'acme/infra',
          branches: ['main'],
          environments: ['iam-audit'],
        });
        return main();
      },
      { mocks: awsMocks(), project: PROJECT, stack: 'prod' },
    );
    pack = await startPolicyPack(PACK_DIR);
    const info = await pack.info();
    await pack.configure(Object.fromEntries(info.policies.map((policy) => [policy.name, 'mandatory'])));
  });
  afterAll(async () => {
    await pack?.close();
  });

  it('passes every policy, at preview (each resource) and after the update (the whole stack)', async () => {
    // Act
    const analyses = [
      await pack.analyzeStack(stack),
      ...(await Promise.all(stack.map((r) => pack.analyze(r)))),
    ];

    // Assess
    expect(analyses.flatMap((analysis) => analysis.diagnostics)).toEqual([]);
    expect(stack.map((resource) => resource.type).sort()).toEqual([
      'aws:iam/openIdConnectProvider:OpenIdConnectProvider',
      'aws:iam/role:Role',
      'aws:iam/rolePolicy:RolePolicy',
    ]);
  });
});

describe('the audit-role stack in organisation mode under the project policy pack', () => {
  let pack: RunningPack;
  let stack: StackResource[];
  beforeAll(async () => {
    stack = await recordStack(
      () => {
        setProjectConfig(PROJECT, { repository: 'acme/security', branches: ['main'], organization: {} });
        return main();
      },
      { mocks: awsMocks(), project: PROJECT, stack: 'org' },
    );
    pack = await startPolicyPack(PACK_DIR);
    const info = await pack.info();
    await pack.configure(Object.fromEntries(info.policies.map((policy) => [policy.name, 'mandatory'])));
  });
  afterAll(async () => {
    await pack?.close();
  });

  it('passes every policy, the member role template included, and keeps the single-account URNs', async () => {
    // Act
    const analysis = await pack.analyzeStack(stack);
    // Assess
    expect(analysis.diagnostics).toEqual([]);
    expect(stack.map((resource) => resource.name).sort()).toEqual([
      'audit-permissions',
      'audit-role',
      'github-oidc',
      'member-permissions',
      'member-role',
      'member-roles',
      'member-roles-everywhere',
    ]);
  });

  it('rejects the stack when the member role template reads every S3 bucket', async () => {
    // Prepare: the trail reads of memberTrailBucket, widened to every bucket.
    const withTrail = await recordStack(
      () => {
        setProjectConfig(PROJECT, {
          repository: 'acme/security',
          branches: ['main'],
          organization: { memberTrailBucket: 'keywarden-trail-{account}' },
        });
        return main();
      },
      { mocks: awsMocks(), project: PROJECT, stack: 'org-trail' },
    );
    const widened = withTrail.map((resource) => {
      if (resource.name !== 'member-roles') return resource;
      const props = (resource.outputs ?? resource.inputs) as { templateBody: string };
      const template = JSON.parse(props.templateBody);
      for (const policy of template.Resources.MemberRole.Properties.Policies) {
        for (const statement of policy.PolicyDocument.Statement) {
          if (statement.Action.some((action: string) => action.startsWith('s3:'))) statement.Resource = ['*'];
        }
      }
      const body = JSON.stringify(template);
      return {
        ...resource,
        inputs: { ...resource.inputs, templateBody: body },
        outputs: { ...props, templateBody: body },
      };
    });

    // Act
    const honest = await pack.analyzeStack(withTrail);
    const analysis = await pack.analyzeStack(widened);

    // Assess
    expect(honest.diagnostics).toEqual([]);
    // One diagnostic per widened statement (the bucket's and the objects').
    expect(analysis.diagnostics.length).toBeGreaterThan(0);
    for (const diagnostic of analysis.diagnostics) {
      expect(diagnostic.policyName).toBe('restrict-audit-role-permissions');
      expect(diagnostic.message).toContain('allows reading every S3 bucket');
    }
  });

  it('rejects the stack when the member role template grants a write', async () => {
    // Prepare
    const weakened = stack.map((resource) => {
      if (resource.name !== 'member-roles') return resource;
      const props = (resource.outputs ?? resource.inputs) as { templateBody: string };
      const body = props.templateBody.replace('"iam:ListUsers"', '"iam:ListUsers","iam:DeleteUser"');
      return {
        ...resource,
        inputs: { ...resource.inputs, templateBody: body },
        outputs: { ...props, templateBody: body },
      };
    });
    // Act
    const analysis = await pack.analyzeStack(weakened);
    // Assess
    expect(analysis.diagnostics.map((d) => d.policyName)).toEqual(['restrict-audit-role-permissions']);
  });
});
