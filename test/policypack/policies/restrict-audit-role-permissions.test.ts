import { describe, expect, it } from 'vitest';
import { actionsFor } from '../../../core/aws/permissions.js';
import { restrictAuditRolePermissions } from '../../../policypack/policies/restrict-audit-role-permissions.js';
import { memberRoleTemplate } from '../../../stacks/audit-role/policy.js';
import type { StackResource } from '../../support/policy-harness.js';
import { changing, runStackPolicy } from '../fixtures.js';

const TAGS = { 'keywarden:component': 'audit-role' };
const HUB = 'arn:aws:iam::123456789012:role/keywarden-audit';
const resource = (type: string, name: string, inputs: Record<string, unknown>): StackResource => ({
  type,
  name,
  urn: `urn:pulumi:prod::keywarden-audit-role::${type}::${name}`,
  inputs,
});

/** The audit-role stack in organisation mode as the program builds it: hub role, its policy, the StackSet. */
function compliantAuditStack(): StackResource[] {
  return [
    resource('aws:iam/role:Role', 'audit-role', { name: 'keywarden-audit', tags: TAGS }),
    resource('aws:iam/rolePolicy:RolePolicy', 'audit-permissions', {
      role: 'keywarden-audit',
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['sts:AssumeRole'],
            Resource: ['arn:aws:iam::*:role/keywarden-audit-member'],
          },
          { Effect: 'Allow', Action: ['organizations:ListAccounts'], Resource: ['*'] },
        ],
      }),
    }),
    resource('aws:cloudformation/stackSet:StackSet', 'member-roles', {
      templateBody: JSON.stringify(memberRoleTemplate(HUB, 'keywarden-audit-member', TAGS)),
      tags: TAGS,
    }),
  ];
}

type Template = ReturnType<typeof memberRoleTemplate>;
const withTemplate = (change: (template: Template) => void) =>
  changing(compliantAuditStack(), 'member-roles', (inputs) => {
    const template = JSON.parse(inputs.templateBody as string) as Template;
    change(template);
    return { ...inputs, templateBody: JSON.stringify(template) };
  });
const messages = (stack: StackResource[]) =>
  runStackPolicy(restrictAuditRolePermissions, stack).violations.map((v) => v.message);

describe('restrict-audit-role-permissions', () => {
  it('accepts the hub role and the member role template the stack generates', () => {
    expect(messages(compliantAuditStack())).toEqual([]);
  });

  it('rejects a member role template that allows more than the audit reads', () => {
    // Prepare
    const stack = withTemplate((t) => {
      t.Resources.MemberRole.Properties.Policies[0]?.PolicyDocument.Statement.push({
        Sid: 'More',
        Effect: 'Allow',
        Action: ['iam:CreateAccessKey', 'iam:*'],
        Resource: ['*'],
      });
    });
    // Act & Assess
    expect(messages(stack)).toEqual([
      'StackSet "member-roles" deploys role MemberRole whose policy allows "iam:CreateAccessKey", "iam:*", which the audit does not need: grant only the read-only calls of core/aws/permissions.ts (audit, consumers).',
    ]);
  });

  it('rejects a member role that may assume further roles, which only the hub may', () => {
    const stack = withTemplate((t) => {
      t.Resources.MemberRole.Properties.Policies[0]?.PolicyDocument.Statement.push({
        Sid: 'Hop',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: ['*'],
      });
    });
    expect(messages(stack)).toEqual([expect.stringContaining('allows "sts:AssumeRole"')]);
  });

  it('rejects a managed policy on the member role', () => {
    const stack = withTemplate((t) => {
      Object.assign(t.Resources.MemberRole.Properties, {
        ManagedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
      });
    });
    expect(messages(stack)).toEqual([expect.stringContaining('with the managed policy')]);
  });

  it('rejects a hub role policy that allows a write, naming the role policy', () => {
    const stack = changing(compliantAuditStack(), 'audit-permissions', (inputs) => ({
      ...inputs,
      policy: JSON.stringify({
        Statement: [{ Effect: 'Allow', Action: 'iam:DeleteAccessKey', Resource: '*' }],
      }),
    }));
    expect(messages(stack)).toEqual([
      expect.stringMatching(/^RolePolicy "audit-permissions" allows "iam:DeleteAccessKey"/),
    ]);
  });

  it('accepts the audit role of one account, which reads IAM directly', () => {
    const stack = changing(compliantAuditStack(), 'audit-permissions', (inputs) => ({
      ...inputs,
      policy: JSON.stringify({
        Statement: [{ Effect: 'Allow', Action: actionsFor('audit'), Resource: '*' }],
      }),
    }));
    expect(messages(stack)).toEqual([]);
  });

  it('leaves the roles of other stacks alone', () => {
    const outcome = runStackPolicy(restrictAuditRolePermissions, [
      resource('aws:iam/role:Role', 'app', { name: 'app' }),
      resource('aws:iam/rolePolicy:RolePolicy', 'app-policy', {
        role: 'app',
        policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }] }),
      }),
    ]);
    expect(outcome).toEqual({ violations: [] });
  });
});
