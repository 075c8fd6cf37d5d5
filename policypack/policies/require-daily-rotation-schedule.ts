import type { StackValidationPolicy } from '@pulumi/policy';
import { firesAtLeastDaily } from '../../core/infra/schedule.js';
import { AwsType, part11, refersTo, validateStackWith } from '../lib/resources.js';
import { describe, rotationFunctionsOrNotApplicable } from '../lib/rotation-stack.js';

/**
 * Requires an enabled EventBridge Scheduler schedule that invokes the rotation function at least once a day.
 *
 * @severity high
 * @enforcementLevel mandatory
 * @framework 21 CFR Part 11 11.300(b)
 */
export const requireDailyRotationSchedule: StackValidationPolicy = {
  name: 'require-daily-rotation-schedule',
  description:
    'Requires the keywarden rotation function to be invoked by an enabled EventBridge Scheduler schedule at least once a day, so that every key is revised before it reaches the maximum age, as 21 CFR 11.300(b) requires.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: part11('11.300(b)'),
  validateStack: validateStackWith(AwsType.lambdaFunction, (args, reportViolation) => {
    for (const fn of rotationFunctionsOrNotApplicable(args)) {
      const schedules = args.resources.filter(
        (r) => r.type === AwsType.schedule && refersTo(r, 'target.arn', fn, ['arn']),
      );
      const daily = schedules.filter(
        (s) => s.props['state'] !== 'DISABLED' && firesAtLeastDaily(String(s.props['scheduleExpression'])),
      );
      if (daily.length > 0) continue;
      const found = schedules.map(
        (s) => `${describe(s)} (${s.props['scheduleExpression']}, ${s.props['state'] ?? 'ENABLED'})`,
      );
      reportViolation(
        `${describe(fn)} is ${found.length ? `invoked only by ${found.join(', ')}` : 'invoked by no schedule'}: add an enabled aws.scheduler.Schedule with scheduleExpression "rate(1 day)" (or a daily cron) whose target.arn is the function's ARN.`,
        fn.urn,
      );
    }
  }),
};
