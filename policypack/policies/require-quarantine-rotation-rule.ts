import type { PolicyResource, StackValidationArgs, StackValidationPolicy } from '@pulumi/policy';
import { IAM_EVENTS_REGION, quarantinePatternProblem } from '../../core/infra/quarantine-rule.js';
import { AwsType, known, part11, refersTo, validateStackWith } from '../lib/resources.js';
import { describe, rotationFunctionsOrNotApplicable } from '../lib/rotation-stack.js';

/**
 * Requires an enabled EventBridge rule on CloudTrail's AttachUserPolicy of AWS's key-quarantine policies, seen in
 * us-east-1, that invokes the rotation function, with a Lambda permission scoped to that rule.
 *
 * @severity high
 * @enforcementLevel mandatory
 * @framework 21 CFR Part 11 11.300(c)
 */
export const requireQuarantineRotationRule: StackValidationPolicy = {
  name: 'require-quarantine-rotation-rule',
  description:
    "Requires an enabled EventBridge rule on CloudTrail's AttachUserPolicy of AWSCompromisedKeyQuarantine, V2 and V3, seen in us-east-1 where IAM events arrive, that invokes the keywarden rotation function under a Lambda permission scoped to that rule, so that a key AWS found exposed is deauthorised and replaced within minutes, as 21 CFR 11.300(c) requires.",
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: part11('11.300(c)'),
  validateStack: validateStackWith(AwsType.lambdaFunction, (args, reportViolation) => {
    for (const fn of rotationFunctionsOrNotApplicable(args)) {
      const problem = quarantineWiringProblem(fn, args);
      if (problem) reportViolation(`${describe(fn)} ${problem}`, fn.urn);
    }
  }),
};

const FIX = `see stacks/rotation/quarantine.ts: a rule with quarantineEventPattern() in ${IAM_EVENTS_REGION} (region: "${IAM_EVENTS_REGION}"), forwarded to the function's region if it is another, whose target is the function, and an aws.lambda.Permission for events.amazonaws.com with sourceArn set to that rule's ARN`;

const of = (args: StackValidationArgs, type: string) => args.resources.filter((r) => r.type === type);
const enabled = (rule: PolicyResource) =>
  known(() => rule.props['state']) !== 'DISABLED' && known(() => rule.props['isEnabled']) !== false;
const patternProblem = (rule: PolicyResource) => {
  const pattern = known(() => rule.props['eventPattern']);
  return typeof pattern === 'string' ? quarantinePatternProblem(pattern) : 'its eventPattern is not known';
};
const inIamEventsRegion = (rule: PolicyResource) => known(() => rule.props['region']) === IAM_EVENTS_REGION;

/** Rules that match every quarantine, enabled, and the targets that point at `target` through them. */
function quarantineRulesTargeting(args: StackValidationArgs, target: PolicyResource, props: string[]) {
  const rules = of(args, AwsType.eventRule).filter((rule) => enabled(rule) && patternProblem(rule) === null);
  return of(args, AwsType.eventTarget)
    .filter((t) => refersTo(t, 'arn', target, props))
    .flatMap((t) => rules.filter((rule) => refersTo(t, 'rule', rule, ['name'])));
}

/** What is missing between AWS quarantining a user and the function running for it, or null. */
function quarantineWiringProblem(fn: PolicyResource, args: StackValidationArgs): string | null {
  const candidates = quarantineRulesTargeting(args, fn, ['arn']);
  if (candidates.length === 0) {
    // Name what is wrong with a rule that does target the function, if there is one.
    const targeting = of(args, AwsType.eventTarget)
      .filter((t) => refersTo(t, 'arn', fn, ['arn']))
      .flatMap((t) => of(args, AwsType.eventRule).filter((rule) => refersTo(t, 'rule', rule, ['name'])));
    const near = targeting.map((rule) => `${describe(rule)}: ${patternProblem(rule) ?? 'it is disabled'}`);
    return `is invoked by no enabled EventBridge rule on AWS's quarantine${near.length ? ` (${near.join('; ')})` : ''}: ${FIX}.`;
  }
  const permitted = candidates.filter((rule) =>
    of(args, AwsType.lambdaPermission).some(
      (permission) =>
        known(() => permission.props['principal']) === 'events.amazonaws.com' &&
        refersTo(permission, 'function', fn, ['name', 'arn']) &&
        refersTo(permission, 'sourceArn', rule, ['arn']),
    ),
  );
  const [firstCandidate] = candidates;
  if (permitted.length === 0 && firstCandidate) {
    return `has no aws.lambda.Permission for events.amazonaws.com scoped (sourceArn) to its quarantine rule ${describe(firstCandidate)}: ${FIX}.`;
  }
  const reached = permitted.some((rule) => {
    if (inIamEventsRegion(rule)) return true;
    // Forwarded: the rule sits on a bus that a us-east-1 quarantine rule puts the events on.
    const buses = of(args, AwsType.eventBus).filter((bus) =>
      refersTo(rule, 'eventBusName', bus, ['name', 'arn']),
    );
    return buses.some((bus) => quarantineRulesTargeting(args, bus, ['arn']).some(inIamEventsRegion));
  });
  return reached
    ? null
    : `is invoked by a quarantine rule that IAM's events never reach: they arrive in ${IAM_EVENTS_REGION} only; ${FIX}.`;
}
