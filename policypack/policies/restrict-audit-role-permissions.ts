import type { StackValidationPolicy } from '@pulumi/policy';
import { auditRoleProblems } from '../lib/audit-grants.js';
import { part11 } from '../lib/resources.js';
import { describe } from '../lib/rotation-stack.js';

/**
 * Requires keywarden's audit roles to be read-only: the audit (hub) role and every role its member StackSet
 * deploys grant only the audit's calls from core/aws/permissions.ts (the hub also AssumeRole and Organizations read).
 *
 * @severity high
 * @enforcementLevel mandatory
 * @framework 21 CFR Part 11 11.10(d)
 */
export const restrictAuditRolePermissions: StackValidationPolicy = {
  name: 'restrict-audit-role-permissions',
  description:
    "Requires keywarden's audit role and the member role its StackSet puts in every account to allow only the read-only calls the audit needs, with no wildcard action and no managed policy, limiting system access to what is authorised as 21 CFR 11.10(d) requires.",
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: part11('11.10(d)'),
  // A stack without a resource tagged keywarden:component=audit-role has nothing to check (and is not told
  // "not applicable", so the rotation stack's analysis stays as it was).
  validateStack: (args, reportViolation) => {
    for (const { source, problem } of auditRoleProblems(args.resources)) {
      reportViolation(`${describe(source)} ${problem}.`, source.urn);
    }
  },
};
