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
