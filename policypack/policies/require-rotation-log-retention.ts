import type { StackValidationPolicy } from '@pulumi/policy';
import { keepsLogsAtLeast, logRetentionAtLeast } from '../../core/infra/log-retention.js';
import { keywardenConfigSchema, readKeywardenConfig, trailRetentionDays } from '../lib/config.js';
import { AwsType, numberAt, part11, validateStackWith } from '../lib/resources.js';
import { describe, functionLogGroups, rotationFunctionsOrNotApplicable } from '../lib/rotation-stack.js';

/**
 * Requires the rotation function's log group to be managed by the stack and to keep logs at least as long as
 * the audit trail (`trail.retentionDays`), since the logs explain each trail record.
 *
 * @severity medium
 * @enforcementLevel mandatory
 * @framework 21 CFR Part 11 11.10(e)
 */
export const requireRotationLogRetention: StackValidationPolicy = {
  name: 'require-rotation-log-retention',
  description:
    'Requires the keywarden rotation function to log to a CloudWatch log group of the stack that keeps its records at least as long as the audit trail (trail.retentionDays), because 21 CFR 11.10(e) requires audit trail documentation to be retained as long as the records it covers.',
  enforcementLevel: 'mandatory',
  severity: 'medium',
  framework: part11('11.10(e)'),
  configSchema: keywardenConfigSchema,
  validateStack: validateStackWith(AwsType.lambdaFunction, (args, reportViolation) => {
    const config = readKeywardenConfig(args, 'require-rotation-log-retention', reportViolation);
    if (!config) return;
    const days = trailRetentionDays(config);
    const fix = `set retentionInDays to ${logRetentionAtLeast(days)} (the shortest CloudWatch retention of at least trail.retentionDays = ${days} days)`;
    for (const fn of rotationFunctionsOrNotApplicable(args)) {
      const groups = functionLogGroups(fn, args.resources);
      if (groups.length === 0)
        reportViolation(
          `${describe(fn)} has no log group in the stack: add an aws.cloudwatch.LogGroup named /aws/lambda/<function name> (or set loggingConfig.logGroup) and ${fix}.`,
          fn.urn,
        );
      for (const group of groups.filter(
        (g) => !keepsLogsAtLeast(numberAt(g.props, 'retentionInDays'), days),
      )) {
        reportViolation(
          `${describe(group)} of ${describe(fn)} keeps logs ${group.props['retentionInDays']} days: ${fix}.`,
          group.urn,
        );
      }
    }
  }),
};
