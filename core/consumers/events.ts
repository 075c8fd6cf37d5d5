import * as z from 'zod';
import { IncompleteError } from '../errors.js';

/**
 * One use of an access key, as CloudTrail recorded it. LookupEvents' own fields (EventSource, EventTime …) do
 * not carry where a call came from: the source address and the user agent are only inside each event's
 * `CloudTrailEvent` JSON, which is read here, once, at the boundary.
 */
export interface KeyUse {
  at: Date;
  /** `sourceIPAddress`: an address, or an AWS service's name when a service called on the key's behalf. */
  sourceIp: string;
  /**
   * `userAgent` as the caller sent it, less the `m/…` list of features the AWS SDKs add per request (one client
   * sends several): empty when CloudTrail recorded none.
   */
  userAgent: string;
  /** `eventSource`: the service called, e.g. `s3.amazonaws.com`. */
  service: string;
  /** `awsRegion`: the region the call was made in (us-east-1 for IAM, STS's global endpoint, CloudFront). */
  region: string;
  eventName: string;
}

/** The fields of a CloudTrail record keywarden reads; the rest (request parameters …) is never looked at. */
const cloudTrailRecord = z.object({
  eventTime: z.iso.datetime({ offset: true }),
  eventSource: z.string().min(1),
  eventName: z.string().min(1),
  awsRegion: z.string().min(1),
  sourceIPAddress: z.string().optional(),
  userAgent: z.string().optional(),
});

/** Parses one `CloudTrailEvent` string; an event keywarden cannot read stops the lookup (never skipped). */
export function parseKeyUse(cloudTrailEvent: string | undefined, eventId: string | undefined): KeyUse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(cloudTrailEvent ?? '');
  } catch (err) {
    throw new IncompleteError(`CloudTrail returned event ${eventId ?? '(no ID)'} without readable JSON`, {
      cause: err,
    });
  }
  const record = cloudTrailRecord.safeParse(parsed);
  if (!record.success) {
    const issue = record.error.issues[0];
    throw new IncompleteError(
      `CloudTrail returned event ${eventId ?? '(no ID)'} that keywarden cannot read: ${issue?.path.join('.') || 'event'}: ${issue?.message ?? 'invalid'}`,
      { cause: record.error },
    );
  }
  const event = record.data;
  return {
    at: new Date(event.eventTime),
    sourceIp: event.sourceIPAddress ?? '',
    userAgent: agentOf(event.userAgent ?? ''),
    service: event.eventSource,
    region: event.awsRegion,
    eventName: event.eventName,
  };
}

/**
 * The AWS SDKs (JavaScript v3, botocore, Java v2 …) end their user agent with `m/<feature IDs>`, the features
 * that one request used (retry mode, paginator, waiter …): the same program sends several. It is dropped, so
 * that one program is one consumer; everything else of the agent is kept as recorded.
 */
export function agentOf(userAgent: string): string {
  return userAgent
    .replace(/(^|\s)m\/[A-Za-z0-9,+=_-]*(?=\s|$)/g, '')
    .replace(/\s{2,}/g, ' ')
    .trim();
}
