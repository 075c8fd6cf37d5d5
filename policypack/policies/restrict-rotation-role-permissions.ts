import type { StackValidationPolicy } from '@pulumi/policy';
import { keywardenConfigSchema, readKeywardenConfig } from '../lib/config.js';
import { AwsType, part11, validateStackWith } from '../lib/resources.js';
import { roleGrantProblems } from '../lib/role-grants.js';
import { describe, executionRole, rotationFunctionsOrNotApplicable } from '../lib/rotation-stack.js';

/**
 * Requires the rotation function's role to be least-privilege: no wildcard action on every resource, the
 * access-key mutations limited to IAM users that carry the rotation tag, and no path to a stored key (no
 * GetSecretValue or DeleteResourcePolicy, PutResourcePolicy and owner tagging only while a secret has no
 * keywarden:owner-id tag, kms:Decrypt only through SNS or through Secrets Manager for managed secrets, which
 * writing a value needs: core/aws/permissions.ts secretBoundaryBreach).
 *
 * @severity critical
 * @enforcementLevel mandatory
 * @framework 21 CFR Part 11 11.10(d)
 */
export const restrictRotationRolePermissions: StackValidationPolicy = {
  name: 'restrict-rotation-role-permissions',
  description:
    "Requires the keywarden rotation function's IAM role to grant no wildcard action on every resource, to create, update or delete access keys only of IAM users tagged for managed rotation, and never to read a stored key (no GetSecretValue, no resource-policy or owner-tag change on a secret bound to its owner, kms:Decrypt through Secrets Manager only for writing managed secrets), limiting system access to what is authorised as 21 CFR 11.10(d) requires.",
  enforcementLevel: 'mandatory',
  severity: 'critical',
  framework: part11('11.10(d)'),
  configSchema: keywardenConfigSchema,
  validateStack: validateStackWith(AwsType.lambdaFunction, (args, reportViolation) => {
    const config = readKeywardenConfig(args, 'restrict-rotation-role-permissions', reportViolation);
    if (!config) return;
    for (const fn of rotationFunctionsOrNotApplicable(args)) {
      const role = executionRole(fn, args.resources);
      if (!role) {
        reportViolation(
          `${describe(fn)} runs as a role that is not part of the stack, so its permissions cannot be checked: define its aws.iam.Role in this stack.`,
          fn.urn,
        );
        continue;
      }
      for (const { source, problem } of roleGrantProblems(role, args.resources, config.scope)) {
        reportViolation(`${describe(source)} of the role of ${describe(fn)} ${problem}.`, source.urn);
      }
    }
  }),
};
