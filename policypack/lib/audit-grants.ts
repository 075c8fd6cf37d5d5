import type { PolicyResource } from '@pulumi/policy';
import { actionsFor, ORGANIZATION_READ_ACTIONS } from '../../core/aws/permissions.js';
import { COMPONENT_TAG_KEY, StackComponent } from '../../core/infra/stack-tags.js';
import { statementsOf } from './iam-documents.js';
import { AwsType, propsAt, stringAt, tagOf } from './resources.js';
import { grantsOf } from './role-grants.js';

/** Reading a keywarden trail (`trail-read`): allowed to an audit role only on named buckets, never on every one. */
const TRAIL_READ_ACTIONS: ReadonlySet<string> = new Set(actionsFor('trail-read').map((a) => a.toLowerCase()));

/**
 * What a member role may do in each account: the audit's read-only calls of core/aws/permissions.ts, and reading
 * the account's own trail (`organization.memberTrailBucket`, for evidence over many accounts).
 */
export const MEMBER_ROLE_ACTIONS: ReadonlySet<string> = new Set([
  ...actionsFor('audit', 'consumers').map((a) => a.toLowerCase()),
  ...TRAIL_READ_ACTIONS,
]);
/** The audit (or hub) role may also assume the member role and read the organization's account list. */
export const AUDIT_ROLE_ACTIONS: ReadonlySet<string> = new Set([
  ...MEMBER_ROLE_ACTIONS,
  'sts:assumerole',
  ...ORGANIZATION_READ_ACTIONS.map((a) => a.toLowerCase()),
]);

const list = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * The one rule for every keywarden audit role: each allowed action is one the audit needs (no wildcard, no
 * NotAction or NotResource), so the role stays read-only whatever else a stack adds to it.
 */
export function readOnlyGrantProblems(document: unknown, allowed: ReadonlySet<string>): string[] {
  const statements = statementsOf(document);
  if (!statements) return ['has a policy document that is not valid IAM policy JSON'];
  const problems: string[] = [];
  for (const statement of statements) {
    if (statement.Effect !== 'Allow') continue;
    if (statement.NotAction !== undefined || statement.NotResource !== undefined) {
      problems.push('uses NotAction or NotResource, which allows everything not listed: name the actions');
      continue;
    }
    const extra = list(statement.Action).filter(
      (a) => typeof a !== 'string' || !allowed.has(a.toLowerCase()),
    );
    if (extra.length > 0) {
      problems.push(
        `allows ${extra.map((a) => JSON.stringify(a)).join(', ')}, which the audit does not need: grant only the read-only calls of core/aws/permissions.ts (audit, consumers)`,
      );
    }
    const readsTrail = list(statement.Action).some(
      (a) => typeof a === 'string' && TRAIL_READ_ACTIONS.has(a.toLowerCase()),
    );
    if (readsTrail && list(statement.Resource).some(isEveryBucket)) {
      problems.push(
        'allows reading every S3 bucket: grant the trail reads on the trail bucket only (organization.memberTrailBucket)',
      );
    }
  }
  return problems;
}

/** A Resource that matches every bucket or object: `*`, or an S3 ARN whose bucket part is a wildcard. */
function isEveryBucket(resource: unknown): boolean {
  return typeof resource === 'string' && (resource === '*' || /^arn:[^:]*:s3:::\*/.test(resource));
}

export const isAuditRoleResource = (resource: PolicyResource) =>
  tagOf(resource.props, COMPONENT_TAG_KEY) === StackComponent.auditRole;

/** Problems of the stack's audit roles: each role's grants, and each IAM role in the member StackSet template. */
export function auditRoleProblems(
  resources: PolicyResource[],
): { source: PolicyResource; problem: string }[] {
  const roles = resources.filter((r) => r.type === AwsType.role && isAuditRoleResource(r));
  const fromRoles = roles.flatMap((role) =>
    grantsOf(role, resources).flatMap(({ source, document, managedPolicyArn }) =>
      managedPolicyArn !== undefined
        ? [
            {
              source,
              problem: `attaches the managed policy ${managedPolicyArn}: the audit role gets only its own read-only policy`,
            },
          ]
        : readOnlyGrantProblems(document, AUDIT_ROLE_ACTIONS).map((problem) => ({ source, problem })),
    ),
  );
  const stackSets = resources.filter((r) => r.type === AwsType.stackSet && isAuditRoleResource(r));
  const fromTemplates = stackSets.flatMap((stackSet) =>
    templateRoleProblems(stackSet.props['templateBody']).map((problem) => ({ source: stackSet, problem })),
  );
  return [...fromRoles, ...fromTemplates];
}

function templateRoleProblems(body: unknown): string[] {
  let template: unknown;
  try {
    template = typeof body === 'string' ? JSON.parse(body) : body;
  } catch {
    return ['has a template that is not JSON: write the member role template as JSON'];
  }
  return Object.entries(propsAt(template, 'Resources') ?? {}).flatMap(([name, resource]) => {
    if (stringAt(resource, 'Type') !== 'AWS::IAM::Role') return [];
    const properties = propsAt(resource, 'Properties') ?? {};
    const managed = list(properties['ManagedPolicyArns']).map(
      (arn) =>
        `deploys role ${name} with the managed policy ${JSON.stringify(arn)}: give it only the audit's inline policy`,
    );
    const inline = list(properties['Policies']).flatMap((policy) =>
      readOnlyGrantProblems(propsAt(policy, 'PolicyDocument'), MEMBER_ROLE_ACTIONS).map(
        (problem) => `deploys role ${name} whose policy ${problem}`,
      ),
    );
    return [...managed, ...inline];
  });
}
