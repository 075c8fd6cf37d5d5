import { describe, expect, it } from 'vitest';
import { QUARANTINE_EVENT_INPUT } from '../../../core/infra/quarantine-rule.js';
import { parseRunTrigger } from '../../../stacks/rotation/event.js';

const AT = '2026-11-28T05:59:00Z';
const V2 = 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2';

/** CloudTrail's AttachUserPolicy as EventBridge delivers it (the fields the rule and the handler read). */
const cloudTrailEvent = {
  version: '0',
  source: 'aws.iam',
  'detail-type': 'AWS API Call via CloudTrail',
  account: '123456789012',
  region: 'us-east-1',
  time: AT,
  detail: {
    eventSource: 'iam.amazonaws.com',
    eventName: 'AttachUserPolicy',
    eventTime: AT,
    requestParameters: { userName: 'alice', policyArn: V2 },
  },
};

/** What the input transformer of the stack's target makes of that event. */
function transformed(event: typeof cloudTrailEvent): unknown {
  const values: Record<string, string> = {
    user: event.detail.requestParameters.userName,
    policyArn: event.detail.requestParameters.policyArn,
    at: event.detail.eventTime,
  };
  return JSON.parse(
    QUARANTINE_EVENT_INPUT.inputTemplate.replace(/<(\w+)>/g, (_, name: string) =>
      JSON.stringify(values[name]),
    ),
  );
}

describe('parseRunTrigger', () => {
  it.each([
    ['the schedule', { source: 'keywarden-schedule' }],
    ['an empty test invocation', {}],
  ])('takes %s as a scheduled run', (_, event) => {
    expect(parseRunTrigger(event)).toEqual({ kind: 'schedule' });
  });

  it.each([
    ["the quarantine rule's input", transformed(cloudTrailEvent)],
    ['the CloudTrail event itself', cloudTrailEvent],
  ])('takes %s as a run for that user, with the policy and when', (_, event) => {
    expect(parseRunTrigger(event)).toEqual({
      kind: 'quarantine',
      user: 'alice',
      policy: 'AWSCompromisedKeyQuarantineV2',
      at: new Date(AT),
    });
  });

  it.each([
    [
      'another policy',
      { ...(transformed(cloudTrailEvent) as object), policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
    ],
    [
      'a customer policy named like a quarantine policy',
      {
        ...(transformed(cloudTrailEvent) as object),
        policyArn: 'arn:aws:iam::123456789012:policy/AWSCompromisedKeyQuarantineV2',
      },
    ],
  ])('refuses %s, naming it', (_, event) => {
    expect(() => parseRunTrigger(event)).toThrow("none of AWS's quarantine policies");
  });

  it.each([
    ['an unknown source', { source: 'somebody' }],
    ['a user name IAM would refuse', { ...(transformed(cloudTrailEvent) as object), user: 'a b' }],
    ['a time that is not ISO 8601', { ...(transformed(cloudTrailEvent) as object), at: 'yesterday' }],
  ])('refuses %s with one line naming the forms it takes', (_, event) => {
    expect(() => parseRunTrigger(event)).toThrow(
      /^the rotation function was invoked with an event it does not take: expected a scheduled run/,
    );
  });
});
