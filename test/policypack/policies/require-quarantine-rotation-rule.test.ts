import { describe, expect, it } from 'vitest';
import { requireQuarantineRotationRule } from '../../../policypack/policies/require-quarantine-rotation-rule.js';
import { changing, compliantRotationStack, runStackPolicy, without } from '../fixtures.js';

const URN = 'urn:pulumi:dev::rotation::aws:lambda/function:Function::rotation';

describe('require-quarantine-rotation-rule', () => {
  it('accepts a function invoked by a quarantine rule forwarded from us-east-1, under a permission scoped to it', () => {
    expect(runStackPolicy(requireQuarantineRotationRule, compliantRotationStack())).toEqual({
      violations: [],
    });
  });

  it('accepts one rule in us-east-1 that invokes the function directly', () => {
    const stack = changing(
      without(without(compliantRotationStack(), 'quarantine-forward'), 'quarantine-attached'),
      'quarantine-rotate',
      (rule) => ({ ...rule, region: 'us-east-1', eventBusName: undefined }),
    );

    expect(runStackPolicy(requireQuarantineRotationRule, stack)).toEqual({ violations: [] });
  });

  it('does not apply to a stack whose functions carry no rotation tag', () => {
    const stack = changing(compliantRotationStack(), 'rotation', (fn) => ({ ...fn, tags: {} }));

    expect(runStackPolicy(requireQuarantineRotationRule, stack).notApplicable).toContain(
      'no keywarden rotation function',
    );
  });

  it('rejects a stack with no quarantine rule, saying what to add', () => {
    const stack = without(compliantRotationStack(), 'quarantine-rotate');

    const outcome = runStackPolicy(requireQuarantineRotationRule, stack);

    expect(outcome.violations).toHaveLength(1);
    expect(outcome.violations[0]?.urn).toBe(URN);
    expect(outcome.violations[0]?.message).toContain(
      'Function "rotation" is invoked by no enabled EventBridge rule on AWS\'s quarantine',
    );
  });

  it('rejects a rule whose pattern misses AWSCompromisedKeyQuarantineV3, naming it', () => {
    const stack = changing(compliantRotationStack(), 'quarantine-rotate', (rule) => {
      const pattern = JSON.parse(String(rule.eventPattern));
      pattern.detail.requestParameters.policyArn = pattern.detail.requestParameters.policyArn.slice(0, 2);
      return { ...rule, eventPattern: JSON.stringify(pattern) };
    });

    const outcome = runStackPolicy(requireQuarantineRotationRule, stack);

    expect(outcome.violations[0]?.message).toContain(
      'its eventPattern does not match detail.requestParameters.policyArn of AWSCompromisedKeyQuarantineV3',
    );
  });

  it('rejects a disabled rule', () => {
    const stack = changing(compliantRotationStack(), 'quarantine-rotate', (rule) => ({
      ...rule,
      state: 'DISABLED',
    }));

    expect(runStackPolicy(requireQuarantineRotationRule, stack).violations).toHaveLength(1);
  });

  it('rejects a permission not scoped to the rule (least privilege)', () => {
    const stack = changing(compliantRotationStack(), 'quarantine-invoke', (permission) => ({
      ...permission,
      sourceArn: undefined,
    })).map((r) => (r.name === 'quarantine-invoke' ? { ...r, propertyDependencies: {} } : r));

    const outcome = runStackPolicy(requireQuarantineRotationRule, stack);

    expect(outcome.violations[0]?.message).toContain(
      'has no aws.lambda.Permission for events.amazonaws.com scoped (sourceArn) to its quarantine rule',
    );
  });

  it("rejects a rule in the function's region that nothing forwards us-east-1's events to", () => {
    const stack = without(compliantRotationStack(), 'quarantine-forward');

    const outcome = runStackPolicy(requireQuarantineRotationRule, stack);

    expect(outcome.violations[0]?.message).toContain(
      "is invoked by a quarantine rule that IAM's events never reach: they arrive in us-east-1 only",
    );
  });
});
