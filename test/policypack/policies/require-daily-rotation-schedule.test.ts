import { describe, expect, it } from 'vitest';
import { requireDailyRotationSchedule } from '../../../policypack/policies/require-daily-rotation-schedule.js';
import { changing, compliantRotationStack, runStackPolicy, without } from '../fixtures.js';

describe('require-daily-rotation-schedule', () => {
  it('accepts a rotation function invoked by an enabled daily schedule', () => {
    expect(runStackPolicy(requireDailyRotationSchedule, compliantRotationStack())).toEqual({
      violations: [],
    });
  });

  it('does not apply to a stack whose functions carry no rotation tag', () => {
    const stack = changing(compliantRotationStack(), 'rotation', (fn) => ({ ...fn, tags: {} }));

    const outcome = runStackPolicy(requireDailyRotationSchedule, stack);

    expect(outcome.notApplicable).toBe(
      'the stack deploys no keywarden rotation function (a Lambda function tagged keywarden:component=rotation)',
    );
  });

  it('rejects a weekly schedule, naming it and the expression to use', () => {
    const stack = changing(compliantRotationStack(), 'rotation-daily', (s) => ({
      ...s,
      scheduleExpression: 'rate(7 days)',
    }));

    const outcome = runStackPolicy(requireDailyRotationSchedule, stack);

    expect(outcome.violations).toEqual([
      {
        message:
          'Function "rotation" is invoked only by Schedule "rotation-daily" (rate(7 days), ENABLED): add an enabled aws.scheduler.Schedule with scheduleExpression "rate(1 day)" (or a daily cron) whose target.arn is the function\'s ARN.',
        urn: 'urn:pulumi:dev::rotation::aws:lambda/function:Function::rotation',
      },
    ]);
  });

  it('rejects a disabled daily schedule', () => {
    const stack = changing(compliantRotationStack(), 'rotation-daily', (s) => ({ ...s, state: 'DISABLED' }));

    expect(runStackPolicy(requireDailyRotationSchedule, stack).violations).toHaveLength(1);
  });

  it('rejects a rotation function that no schedule invokes', () => {
    const outcome = runStackPolicy(
      requireDailyRotationSchedule,
      without(compliantRotationStack(), 'rotation-daily'),
    );

    expect(outcome.violations[0]!.message).toContain('Function "rotation" is invoked by no schedule');
  });

  it('links a schedule by the function ARN written out when the engine reports no dependency', () => {
    const stack = compliantRotationStack().map((r) => ({ ...r, propertyDependencies: {}, dependencies: [] }));

    expect(runStackPolicy(requireDailyRotationSchedule, stack)).toEqual({ violations: [] });
  });

  it('ignores a daily schedule that targets another function', () => {
    const stack = changing(compliantRotationStack(), 'rotation-daily', (s) => ({
      ...s,
      target: { arn: 'arn:aws:lambda:eu-west-1:123456789012:function:other' },
    })).map((r) => (r.name === 'rotation-daily' ? { ...r, propertyDependencies: {}, dependencies: [] } : r));

    expect(runStackPolicy(requireDailyRotationSchedule, stack).violations).toHaveLength(1);
  });
});
