import type { PolicyResource } from '@pulumi/policy';
import { BROAD_MANAGED_POLICIES, roleDocumentProblems, statementsOf } from './iam-documents.js';
import { AwsType, isProps, listAt, refersTo } from './resources.js';

export interface Grant {
  source: PolicyResource;
  document?: unknown;
  managedPolicyArn?: string;
}

/** Every grant the role receives in the stack: inline policies, role policies, attached policies. */
export function grantsOf(role: PolicyResource, resources: PolicyResource[]): Grant[] {
  const inline = listAt(role.props, 'inlinePolicies').map((p) => ({
    source: role,
    document: isProps(p) ? p['policy'] : undefined,
  }));
  const managed = listAt(role.props, 'managedPolicyArns').map((arn) => ({
    source: role,
    managedPolicyArn: String(arn),
  }));
  const attached = resources.flatMap((resource): Grant[] => {
    if (resource.type !== AwsType.rolePolicy && resource.type !== AwsType.rolePolicyAttachment) return [];
    if (!refersTo(resource, 'role', role, ['name', 'id'])) return [];
    if (resource.type === AwsType.rolePolicy)
      return [{ source: resource, document: resource.props['policy'] }];
    const policy = resources.find(
      (p) => p.type === AwsType.policy && refersTo(resource, 'policyArn', p, ['arn']),
    );
    return policy
      ? [{ source: policy, document: policy.props['policy'] }]
      : [{ source: resource, managedPolicyArn: String(resource.props['policyArn']) }];
  });
  return [...inline, ...managed, ...attached];
}

/** Each way the role's grants exceed least privilege, with the resource that grants it. */
export function roleGrantProblems(
  role: PolicyResource,
  resources: PolicyResource[],
  scope: { tagKey: string; tagValue: string },
): { source: PolicyResource; problem: string }[] {
  return grantsOf(role, resources).flatMap(({ source, document, managedPolicyArn }) => {
    if (managedPolicyArn !== undefined) {
      const broad = BROAD_MANAGED_POLICIES.find((name) => managedPolicyArn.endsWith(`:policy/${name}`));
      return broad
        ? [
            {
              source,
              problem: `attaches ${broad}, which allows wildcard actions on every resource: attach a policy that names the actions the rotation needs`,
            },
          ]
        : [];
    }
    const statements = statementsOf(document);
    if (!statements)
      return [
        {
          source,
          problem:
            'has a policy document that is not valid IAM policy JSON: write it as {"Version": "2012-10-17", "Statement": [...]}',
        },
      ];
    return roleDocumentProblems(statements, scope).map((problem) => ({ source, problem }));
  });
}
