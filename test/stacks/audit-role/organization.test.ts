import { describe, expect, it } from 'vitest';
import { actionsFor } from '../../../core/aws/permissions.js';
import main from '../../../stacks/audit-role/index.js';
import { auditRoleSettingsSchema } from '../../../stacks/audit-role/settings.js';
import { readStackSettings } from '../../../stacks/settings.js';
import {
  MOCK_ACCOUNT,
  MOCK_ORGANIZATION,
  MOCK_ROOT,
  parsePolicy,
  runProgram,
} from '../../support/pulumi-program.js';

const PROJECT = 'keywarden-audit-role';
const run = (organization: Record<string, unknown> = {}) =>
  runProgram(PROJECT, main, { repository: 'acme/security', branches: ['main'], organization });

interface Template {
  Resources: {
    MemberRole: {
      Type: string;
      Properties: {
        RoleName: string;
        AssumeRolePolicyDocument: { Statement: Array<{ Principal: unknown; Action: string }> };
        Policies: Array<{ PolicyDocument: { Statement: Array<{ Action: string[]; Resource: unknown[] }> } }>;
      };
    };
  };
}

describe('keywarden-audit-role stack in organisation mode', () => {
  it('lets the hub role only assume the member role inside the organization and read Organizations', async () => {
    // Act
    const stack = await run();
    // Assess
    const policy = parsePolicy(stack.named('audit-permissions').inputs.policy);
    expect(policy.Statement).toEqual([
      {
        Sid: 'AssumeTheMemberRoleInTheOrganization',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: ['arn:aws:iam::*:role/keywarden-audit-member'],
        Condition: { StringEquals: { 'aws:ResourceOrgID': MOCK_ORGANIZATION } },
      },
      {
        Sid: 'ReadTheOrganization',
        Effect: 'Allow',
        Action: [
          'organizations:DescribeOrganization',
          'organizations:ListAccounts',
          'organizations:ListAccountsForParent',
          'organizations:ListChildren',
        ],
        Resource: ['*'],
      },
    ]);
    // The hub keeps its OIDC trust (and its URN).
    expect(parsePolicy(stack.named('audit-role').inputs.assumeRolePolicy).Statement[0]?.Action).toBe(
      'sts:AssumeRoleWithWebIdentity',
    );
  });

  it('deploys the member role with a service-managed StackSet to the organization root, accounts created later included', async () => {
    // Act
    const stack = await run();
    // Assess
    const stackSet = stack.one('aws:cloudformation/stackSet:StackSet');
    expect(stackSet.inputs).toMatchObject({
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true },
      callAs: 'SELF',
      capabilities: ['CAPABILITY_NAMED_IAM'],
      tags: { 'keywarden:component': 'audit-role' },
    });
    const instance = stack.one('aws:cloudformation/stackSetInstance:StackSetInstance');
    expect(instance.inputs).toMatchObject({
      stackSetName: 'keywarden-audit-member-role',
      deploymentTargets: { organizationalUnitIds: [MOCK_ROOT] },
    });
    expect(stack.outputs).toMatchObject({ memberRoleName: 'keywarden-audit-member' });
  });

  it('puts in the template a member role trusting only the hub role, with exactly the audit permissions', async () => {
    // Act
    const stack = await run();
    // Assess
    const template = JSON.parse(
      stack.one('aws:cloudformation/stackSet:StackSet').inputs.templateBody as string,
    ) as Template;
    const member = template.Resources.MemberRole;
    expect(member.Type).toBe('AWS::IAM::Role');
    expect(member.Properties.RoleName).toBe('keywarden-audit-member');
    expect(member.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Principal: { AWS: stack.outputs.roleArn }, Action: 'sts:AssumeRole' }),
    ]);
    const statements = member.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
    expect(statements.flatMap((s) => s.Action).sort()).toEqual(actionsFor('audit', 'consumers'));
    expect(statements.flatMap((s) => s.Resource)).toContainEqual({
      'Fn::Sub': `arn:$${'{'}AWS::Partition}:iam::$${'{'}AWS::AccountId}:user/*`,
    });
  });

  it('targets the chosen units, as a delegated administrator, and creates the member role here too', async () => {
    // Act
    const stack = await run({ organizationalUnits: ['ou-ab12-cdefgh34'], callAs: 'DELEGATED_ADMIN' });
    // Assess
    expect(stack.one('aws:cloudformation/stackSetInstance:StackSetInstance').inputs).toMatchObject({
      callAs: 'DELEGATED_ADMIN',
      deploymentTargets: { organizationalUnitIds: ['ou-ab12-cdefgh34'] },
    });
    const here = stack.named('member-role');
    expect(parsePolicy(here.inputs.assumeRolePolicy).Statement[0]?.Principal).toEqual({
      AWS: stack.outputs.roleArn,
    });
    expect(
      parsePolicy(stack.named('member-permissions').inputs.policy)
        .Statement.flatMap((s) => s.Action as string[])
        .sort(),
    ).toEqual(actionsFor('audit', 'consumers'));
    expect(String(stack.outputs.roleArn)).toContain(MOCK_ACCOUNT);
  });

  it("lets each member role read its own account's trail with memberTrailBucket, and write nothing", async () => {
    // Act
    const stack = await run({ memberTrailBucket: 'keywarden-trail-{account}' });

    // Assess: the template names each account's bucket through the account it lands in.
    const template = JSON.parse(
      stack.one('aws:cloudformation/stackSet:StackSet').inputs.templateBody as string,
    ) as Template;
    const statements = template.Resources.MemberRole.Properties.Policies.flatMap(
      (p) => p.PolicyDocument.Statement,
    );
    expect(statements.flatMap((s) => s.Action).sort()).toEqual(
      actionsFor('audit', 'consumers', 'trail-read'),
    );
    const sub = (text: string) => ({ 'Fn::Sub': text.replaceAll('{', '$' + '{') });
    expect(statements.flatMap((s) => s.Resource)).toEqual(
      expect.arrayContaining([
        sub('arn:{AWS::Partition}:s3:::keywarden-trail-{AWS::AccountId}'),
        sub('arn:{AWS::Partition}:s3:::keywarden-trail-{AWS::AccountId}/trail/*'),
      ]),
    );
    // This account's member role: its own bucket, by ID.
    const here = parsePolicy(stack.named('member-permissions').inputs.policy).Statement;
    expect(here.flatMap((s) => s.Resource as string[])).toContain(
      `arn:aws:s3:::keywarden-trail-${MOCK_ACCOUNT}`,
    );
    expect(here.flatMap((s) => s.Action as string[]).some((a) => /Put|Delete/.test(a))).toBe(false);
  });

  it('refuses a memberTrailBucket without {account}, naming the key', () => {
    const attempt = () =>
      readStackSettings(
        auditRoleSettingsSchema,
        {
          [`${PROJECT}:repository`]: 'acme/security',
          [`${PROJECT}:branches`]: '["main"]',
          [`${PROJECT}:organization`]: '{"memberTrailBucket":"keywarden-trail"}',
        },
        PROJECT,
      );

    expect(attempt).toThrow(/memberTrailBucket.*\{account\}/);
  });

  it('creates only the hub role when stackSet and memberRoleInThisAccount are off', async () => {
    // Act
    const stack = await run({ stackSet: false, memberRoleInThisAccount: false });
    // Assess
    expect(stack.all('aws:cloudformation/stackSet:StackSet')).toEqual([]);
    expect(stack.all('aws:iam/role:Role')).toHaveLength(1);
  });

  it('refuses an organizational unit that is not an OU or root ID, naming the key', () => {
    // Act
    const attempt = () =>
      readStackSettings(
        auditRoleSettingsSchema,
        {
          [`${PROJECT}:repository`]: 'acme/security',
          [`${PROJECT}:branches`]: '["main"]',
          [`${PROJECT}:organization`]: '{"organizationalUnits":["prod"]}',
        },
        PROJECT,
      );
    // Assess
    expect(attempt).toThrow(
      `${PROJECT} config: organization.organizationalUnits[0]: must be an OU or root ID`,
    );
  });
});
