import { type FoundStatement, listOf, patternMatches, statementsOf } from '../../core/aws/iam-policy.js';
import {
  KEY_MUTATING_ACTIONS,
  SECRET_BOUNDARY_ACTIONS,
  secretBoundaryBreach,
  signGrantBreach,
  TRAIL_SIGN_ACTION,
} from '../../core/aws/permissions.js';

/** AWS managed policies that grant every action (or every IAM action) on every resource. */
export const BROAD_MANAGED_POLICIES = ['AdministratorAccess', 'IAMFullAccess', 'PowerUserAccess'] as const;

type Statement = FoundStatement;

const list = listOf;
const matches = patternMatches;

export { statementsOf };

const USER_ARN = /^arn:aws[\w-]*:iam::(\d{12}|\*|\$\{[^}]+\}):user\/.+$/;

/**
 * What is wrong with a policy attached to the rotation function's role, one sentence per problem:
 * an allowed wildcard action on every resource, a key mutation not limited to users enrolled by the tag, or
 * kms:Sign on anything but named KMS keys (the trail signing key).
 */
export function roleDocumentProblems(
  statements: Statement[],
  scope: { tagKey: string; tagValue: string },
): string[] {
  const problems: string[] = [];
  for (const statement of statements) {
    if (statement.Effect !== 'Allow') continue;
    if (statement.NotAction !== undefined || statement.NotResource !== undefined) {
      problems.push(
        'a statement uses NotAction or NotResource, which allows everything not listed: name the actions and resources instead',
      );
      continue;
    }
    const actions = list(statement.Action);
    const resources = list(statement.Resource);
    const wildcards = actions.filter((action) => action.includes('*'));
    if (resources.includes('*') && wildcards.length > 0) {
      problems.push(
        `allows ${wildcards.map((a) => `"${a}"`).join(', ')} on every resource ("*"): list the exact actions the rotation needs`,
      );
    }
    for (const action of SECRET_BOUNDARY_ACTIONS) {
      if (!actions.some((pattern) => matches(pattern, action))) continue;
      const breach = secretBoundaryBreach(action, statement.Condition);
      if (breach) problems.push(`allows ${action}, which ${breach}`);
    }
    if (actions.some((pattern) => matches(pattern, TRAIL_SIGN_ACTION))) {
      const breach = signGrantBreach(resources);
      if (breach) problems.push(`allows ${TRAIL_SIGN_ACTION} ${breach}`);
    }
    const mutations = KEY_MUTATING_ACTIONS.filter((mutation) =>
      actions.some((action) => matches(action, mutation)),
    );
    if (mutations.length === 0) continue;
    if (resources.length === 0 || !resources.every((resource) => USER_ARN.test(resource))) {
      problems.push(
        `allows ${mutations.join(', ')} on ${resources.map((r) => `"${r}"`).join(', ') || 'no named resource'}: limit Resource to IAM users (arn:aws:iam::<account-id>:user/*)`,
      );
    }
    if (!conditionsOnScopeTag(statement, scope)) {
      problems.push(
        `allows ${mutations.join(', ')} without the condition StringEquals {"aws:ResourceTag/${scope.tagKey}": "${scope.tagValue}"}: add it so the function can change only the keys of enrolled users`,
      );
    }
  }
  return problems;
}

function conditionsOnScopeTag(statement: Statement, scope: { tagKey: string; tagValue: string }): boolean {
  const equals = statement.Condition?.['StringEquals'] ?? {};
  return Object.entries(equals).some(
    ([key, value]) =>
      [`aws:resourcetag/${scope.tagKey}`, `iam:resourcetag/${scope.tagKey}`].some(
        (accepted) => accepted.toLowerCase() === key.toLowerCase(),
      ) &&
      list(value).length > 0 &&
      list(value).every((v) => v === scope.tagValue),
  );
}
