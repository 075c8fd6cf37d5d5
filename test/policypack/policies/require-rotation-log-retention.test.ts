import { describe, expect, it } from 'vitest';
import { requireRotationLogRetention } from '../../../policypack/policies/require-rotation-log-retention.js';
import { changing, compliantRotationStack, runStackPolicy, without } from '../fixtures.js';

const retention = (days: number | undefined) =>
  changing(compliantRotationStack(), 'rotation-logs', (g) => ({ ...g, retentionInDays: days }));

describe('require-rotation-log-retention', () => {
  it('accepts a log group that keeps logs as long as the trail', () => {
    expect(runStackPolicy(requireRotationLogRetention, compliantRotationStack())).toEqual({ violations: [] });
  });

  it('accepts a log group that never expires its logs', () => {
    expect(runStackPolicy(requireRotationLogRetention, retention(undefined)).violations).toEqual([]);
  });

  it('rejects a one-day retention, naming the CloudWatch value to set', () => {
    const outcome = runStackPolicy(requireRotationLogRetention, retention(1));

    expect(outcome.violations).toEqual([
      {
        message:
          'LogGroup "rotation-logs" of Function "rotation" keeps logs 1 days: set retentionInDays to 2557 (the shortest CloudWatch retention of at least trail.retentionDays = 2557 days).',
        urn: 'urn:pulumi:dev::rotation::aws:cloudwatch/logGroup:LogGroup::rotation-logs',
      },
    ]);
  });

  it('measures against the configured trail retention', () => {
    const config = { trail: { retentionDays: 1000 } };

    const short = runStackPolicy(requireRotationLogRetention, retention(731), config);
    const enough = runStackPolicy(requireRotationLogRetention, retention(1096), config);

    expect(short.violations[0]!.message).toContain('set retentionInDays to 1096');
    expect(enough.violations).toEqual([]);
  });

  it('rejects a rotation function without a log group in the stack', () => {
    const outcome = runStackPolicy(
      requireRotationLogRetention,
      without(compliantRotationStack(), 'rotation-logs'),
    );

    expect(outcome.violations[0]!.message).toContain('Function "rotation" has no log group in the stack');
  });

  it('finds the default /aws/lambda/<name> log group without a reference from the function', () => {
    const stack = changing(retention(1), 'rotation', (fn) => ({ ...fn, loggingConfig: undefined })).map(
      (r) => ({
        ...r,
        propertyDependencies: {},
        dependencies: [],
      }),
    );

    expect(runStackPolicy(requireRotationLogRetention, stack).violations).toHaveLength(1);
  });
});
