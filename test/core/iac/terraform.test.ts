import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { planResources, validPlan } from '../../../core/iac/terraform.js';
import { UNKNOWN } from '../../../core/infra/unknown.js';
import { planJson, planSubstance, terraformTool } from '../../support/terraform.js';

const fixtures = new URL('./fixtures/terraform/', import.meta.url);
const committedPlan = readFileSync(new URL('plan.json', fixtures), 'utf8');
const tool = terraformTool();

describe('reading a Terraform plan (terraform show -json)', () => {
  it('reads each access key and user the plan leaves in place, with values known only at apply time as UNKNOWN', () => {
    // Act
    const resources = planResources(validPlan(JSON.parse(committedPlan), 'plan.json'), 'plan.json');

    // Assess
    expect(resources).toEqual([
      expect.objectContaining({
        kind: 'access-key',
        address: 'aws_iam_access_key.app',
        user: 'app',
        status: 'Active',
      }),
      expect.objectContaining({
        kind: 'access-key',
        address: 'aws_iam_access_key.appliance[0]',
        user: 'svc-vendor-appliance',
      }),
      expect.objectContaining({
        kind: 'user',
        address: 'aws_iam_user.app',
        name: 'app',
        tags: { 'keywarden:rotation': 'Enabled' },
      }),
      expect.objectContaining({ kind: 'user', address: 'aws_iam_user.deployer', name: 'ci-deployer' }),
      expect.objectContaining({
        kind: 'access-key',
        address: 'module.team.aws_iam_access_key.service',
        user: UNKNOWN,
        status: 'Inactive',
      }),
      expect.objectContaining({ kind: 'user', address: 'module.team.aws_iam_user.seed', tags: {} }),
      expect.objectContaining({
        kind: 'user',
        address: 'module.team.aws_iam_user.service',
        name: UNKNOWN,
        tags: UNKNOWN,
      }),
    ]);
    expect(resources.every((resource) => resource.file === 'plan.json' && resource.line === undefined)).toBe(
      true,
    );
  });

  it('reads one unknown tag value of a known map as UNKNOWN, and a map given as null as no tags', () => {
    const plan = validPlan(
      {
        format_version: '1.2',
        resource_changes: [
          {
            address: 'aws_iam_user.a',
            mode: 'managed',
            type: 'aws_iam_user',
            change: {
              actions: ['update'],
              after: { name: 'a', tags: { 'keywarden:rotation': null, team: 'x' } },
              after_unknown: { tags: { 'keywarden:rotation': true } },
            },
          },
          {
            address: 'aws_iam_user.b',
            mode: 'managed',
            type: 'aws_iam_user',
            change: { actions: ['no-op'], after: { name: 'b', tags: null }, after_unknown: {} },
          },
        ],
      },
      'plan.json',
    );

    const [a, b] = planResources(plan, 'plan.json');

    expect(a).toMatchObject({ tags: { 'keywarden:rotation': UNKNOWN, team: 'x' } });
    expect(b).toMatchObject({ tags: {} });
  });

  it('judges nothing that the plan destroys, and no data source', () => {
    const plan = validPlan(
      {
        format_version: '1.2',
        resource_changes: [
          {
            address: 'aws_iam_access_key.old',
            mode: 'managed',
            type: 'aws_iam_access_key',
            change: { actions: ['delete'], after: null },
          },
          {
            address: 'data.aws_iam_user.x',
            mode: 'data',
            type: 'aws_iam_user',
            change: { actions: ['read'], after: { user_name: 'x' } },
          },
        ],
      },
      'plan.json',
    );

    expect(planResources(plan, 'plan.json')).toEqual([]);
  });

  it('refuses an errored plan, which lists only what Terraform got to', () => {
    expect(() => validPlan({ format_version: '1.2', errored: true, resource_changes: [] }, 'p.json')).toThrow(
      'p.json: the plan errored (errored: true), so it is incomplete: fix the plan first',
    );
  });

  it('refuses a plan format it does not know, naming the field', () => {
    expect(() => validPlan({ format_version: '2.0', resource_changes: [] }, 'p.json')).toThrow(
      /^p\.json: not a valid Terraform plan \(terraform show -json\): format_version: is not 1\.x/,
    );
  });
});

describe('the Terraform .ci/run announced', () => {
  // .ci/run exports KEYWARDEN_TF_MIRROR when it says the tests plan for real: then a missing tool is a failure.
  it.runIf(process.env['CI'] === 'true' && Boolean(process.env['KEYWARDEN_TF_MIRROR']))('is found', () => {
    expect(tool).not.toBeNull();
  });
});

describe.skipIf(!tool)(
  `a real plan (Terraform ${tool?.version ?? 'not found'}, hashicorp/aws from ${tool?.mirror ?? '-'})`,
  () => {
    it.each(['terraform', 'terraform-trail'])(
      'of fixtures/%s is what its committed plan.json says, so the tests where Terraform is missing hold too',
      (directory) => {
        // Act
        const planned = planJson(fileURLToPath(new URL(`./fixtures/${directory}`, import.meta.url)), tool!);

        // Assess
        expect(planSubstance(planned)).toEqual(
          planSubstance(readFileSync(new URL(`./fixtures/${directory}/plan.json`, import.meta.url), 'utf8')),
        );
      },
      240_000,
    );
  },
);
