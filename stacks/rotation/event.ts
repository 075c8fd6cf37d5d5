import { z } from 'zod';
import { type QuarantinePolicyName, quarantinePolicyOf } from '../../core/aws/quarantine.js';
import { UsageError } from '../../core/errors.js';

/** What started a run of the rotation function, parsed once at the handler's boundary. */
export type RunTrigger =
  | { kind: 'schedule' }
  | { kind: 'quarantine'; user: string; policy: QuarantinePolicyName; at: Date };

const iamUserName = z.string().regex(/^[\w+=,.@-]{1,64}$/);
const instant = z.iso.datetime({ offset: true });

/** EventBridge Scheduler's input (`{"source":"keywarden-schedule"}`), or an empty test invocation. */
const scheduled = z.object({ source: z.literal('keywarden-schedule').optional() }).strict();
/** The quarantine rule's input transformer (core/infra/quarantine-rule.ts QUARANTINE_EVENT_INPUT). */
const quarantineInput = z
  .object({
    source: z.literal('keywarden-quarantine'),
    user: iamUserName,
    policyArn: z.string(),
    at: instant,
  })
  .strict();
/** The CloudTrail event itself, for a rule that targets the function without the input transformer. */
const cloudTrailEvent = z.object({
  source: z.literal('aws.iam'),
  'detail-type': z.literal('AWS API Call via CloudTrail'),
  detail: z.object({
    eventName: z.literal('AttachUserPolicy'),
    eventTime: instant,
    requestParameters: z.object({ userName: iamUserName, policyArn: z.string() }),
  }),
});

const ALLOWED =
  'a scheduled run ({"source":"keywarden-schedule"}), the quarantine rule\'s input ({"source":"keywarden-quarantine","user","policyArn","at"}) or CloudTrail\'s AttachUserPolicy event';

/** The event → what to do; anything else is refused with one line naming the allowed forms. */
export function parseRunTrigger(event: unknown): RunTrigger {
  if (event === null || event === undefined || scheduled.safeParse(event).success)
    return { kind: 'schedule' };
  const input = quarantineInput.safeParse(event);
  const raw = input.success ? null : cloudTrailEvent.safeParse(event);
  const found = input.success
    ? input.data
    : raw?.success
      ? {
          user: raw.data.detail.requestParameters.userName,
          policyArn: raw.data.detail.requestParameters.policyArn,
          at: raw.data.detail.eventTime,
        }
      : null;
  if (!found)
    throw new UsageError(
      `the rotation function was invoked with an event it does not take: expected ${ALLOWED}`,
    );
  const policy = quarantinePolicyOf(found.policyArn);
  if (!policy) {
    throw new UsageError(
      `the rotation function was told of AttachUserPolicy of ${found.policyArn}, which is none of AWS's quarantine policies (AWSCompromisedKeyQuarantine, V2, V3)`,
    );
  }
  return { kind: 'quarantine', user: found.user, policy, at: new Date(found.at) };
}
