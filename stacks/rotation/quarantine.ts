import * as aws from '@pulumi/aws';
import type { PolicyDocument } from '../../core/aws/iam-policy.js';
import {
  IAM_EVENTS_REGION,
  QUARANTINE_EVENT_INPUT,
  quarantineEventPattern,
} from '../../core/infra/quarantine-rule.js';
import { assumableBy } from '../policy-document.js';
import type { RotationContext } from './context.js';

/**
 * Within minutes of AWS quarantining a user, a rotation run for that user. CloudTrail delivers IAM's events to
 * EventBridge in us-east-1 only, and a rule can invoke a function only in its own region, so:
 *
 *   us-east-1 default bus: rule `quarantine-attached` (AttachUserPolicy of a quarantine policy)
 *     → this stack's event bus `<function>-quarantine`, in the stack's region (cross-region, through a role)
 *       → rule `quarantine-rotate` → the function, with an input that names the user.
 *
 * The same two hops serve a stack in us-east-1 (a rule may target another bus of its region), so the program
 * does not branch on the region. The function may be invoked only by that last rule (lambda.Permission's
 * sourceArn), and the forwarding role may only put events on that one bus.
 */
export function quarantineRule(
  { settings, account, partition, tags }: RotationContext,
  fn: aws.lambda.Function,
) {
  const pattern = partition.apply((name) => JSON.stringify(quarantineEventPattern(name)));
  const bus = new aws.cloudwatch.EventBus('quarantine-events', {
    name: `${settings.functionName}-quarantine`,
    description: 'keywarden: AWS quarantine events forwarded from us-east-1 to the rotation function',
    tags,
  });
  const forwarder = new aws.iam.Role('quarantine-forwarder', {
    name: `${settings.functionName}-quarantine-forwarder`,
    description: `keywarden: lets EventBridge in ${IAM_EVENTS_REGION} forward AWS quarantine events to the rotation stack's bus`,
    assumeRolePolicy: account.apply((accountId) =>
      JSON.stringify(assumableBy('events.amazonaws.com', { 'aws:SourceAccount': accountId })),
    ),
    tags,
  });
  new aws.iam.RolePolicy('quarantine-forwarder-permissions', {
    role: forwarder.name,
    name: 'forward-quarantine-events',
    policy: bus.arn.apply((busArn) => JSON.stringify(forwardPolicy(busArn))),
  });
  const attached = new aws.cloudwatch.EventRule('quarantine-attached', {
    region: IAM_EVENTS_REGION,
    name: `${settings.functionName}-quarantine-attached`,
    description: 'keywarden: AWS attached a key-quarantine policy to an IAM user (CloudTrail, us-east-1)',
    eventPattern: pattern,
    state: 'ENABLED',
    tags,
  });
  new aws.cloudwatch.EventTarget('quarantine-forward', {
    region: IAM_EVENTS_REGION,
    rule: attached.name,
    arn: bus.arn,
    roleArn: forwarder.arn,
  });
  const rotate = new aws.cloudwatch.EventRule('quarantine-rotate', {
    name: `${settings.functionName}-quarantine-rotate`,
    description: 'keywarden: rotate at once the keys of a user AWS quarantined',
    eventBusName: bus.name,
    eventPattern: pattern,
    state: 'ENABLED',
    tags,
  });
  new aws.cloudwatch.EventTarget('quarantine-rotate', {
    rule: rotate.name,
    eventBusName: bus.name,
    arn: fn.arn,
    inputTransformer: {
      inputPaths: { ...QUARANTINE_EVENT_INPUT.inputPaths },
      inputTemplate: QUARANTINE_EVENT_INPUT.inputTemplate,
    },
    // The function runs one at a time (reserved concurrency 1): a quarantine during a scheduled run waits.
    retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 24 * 3600 },
  });
  new aws.lambda.Permission('quarantine-invoke', {
    action: 'lambda:InvokeFunction',
    function: fn.name,
    principal: 'events.amazonaws.com',
    sourceArn: rotate.arn,
  });
  return { attachedRule: attached, rotateRule: rotate, bus };
}

function forwardPolicy(busArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ForwardToRotationBus', Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn },
    ],
  };
}

export type QuarantineRule = ReturnType<typeof quarantineRule>;
export const quarantineRuleOutputs = (rule: QuarantineRule) => ({
  quarantineRuleArn: rule.attachedRule.arn,
  quarantineBusName: rule.bus.name,
});
