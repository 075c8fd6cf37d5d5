import {
  type CloudTrailClient,
  LookupEventsCommand,
  type LookupEventsCommandOutput,
} from '@aws-sdk/client-cloudtrail';
import { classifyAwsError, describeError, IncompleteError } from '../errors.js';
import { parseKeyUse } from './events.js';
import { type Consumer, ConsumerTally } from './group.js';
import { EVENTS_PER_PAGE } from './limits.js';
import type { RequestPacer } from './pace.js';

/** Throttling answers in a row after which a lookup stops (truncated), having waited about four minutes. */
export const MAX_THROTTLED_IN_A_ROW = 16;
/** Server or network failures of one page retried before the lookup fails. */
export const MAX_TRANSIENT_RETRIES = 3;

export interface LookupWindow {
  since: Date;
  until: Date;
}

export interface LookupOptions {
  /** Pages at most; the lookup then stops with `truncated: 'max-pages'`. */
  maxPages: number;
  /** Shared by every lookup in the same account and region. */
  pacer: RequestPacer;
  /** The region the client reads (for messages). */
  region: string;
}

/** Why a lookup stopped before the last page: the page budget, or throttling that did not end. */
export type Truncation = 'max-pages' | 'throttling';

export interface KeyConsumers {
  consumers: Consumer[];
  /** Null when every page was read. */
  truncated: Truncation | null;
  pages: number;
  events: number;
}

/** CloudTrail's event history of one region cannot be read (denied, or not available there): exit 3. */
export class CloudTrailUnreadableError extends IncompleteError {
  override name = 'CloudTrailUnreadableError';
  /** Why, without the region (the message has both). */
  readonly why: string;
  constructor(region: string, why: string, options?: { cause?: unknown }) {
    super(`CloudTrail event history in ${region} cannot be read: ${why}`, options);
    this.why = why;
  }
}

/**
 * The consumers of one access key over a window: LookupEvents filtered by AccessKeyId, every NextToken followed
 * (up to `maxPages`), paced to two requests a second, throttling waited out (never a failure), each event's
 * CloudTrailEvent JSON parsed and grouped by (source IP, user agent) as the pages arrive.
 */
export async function lookupKeyConsumers(
  client: CloudTrailClient,
  accessKeyId: string,
  window: LookupWindow,
  options: LookupOptions,
): Promise<KeyConsumers> {
  const tally = new ConsumerTally();
  let nextToken: string | undefined;
  let pages = 0;
  let throttledInARow = 0;
  let transientRetries = 0;
  while (pages < options.maxPages) {
    const command = new LookupEventsCommand({
      LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: accessKeyId }],
      StartTime: window.since,
      EndTime: window.until,
      MaxResults: EVENTS_PER_PAGE,
      ...(nextToken ? { NextToken: nextToken } : {}),
    });
    // Paced as late as the SDK allows, signed and ready, right before the request goes out: the service
    // counts arrivals, and the time spent signing on a busy machine must not shorten the gap.
    command.middlewareStack.add(
      (next) => async (args) => {
        await options.pacer.take();
        return next(args);
      },
      { step: 'deserialize', priority: 'low', name: 'keywardenLookupPace' },
    );
    let page: LookupEventsCommandOutput;
    try {
      page = await client.send(command);
    } catch (err) {
      const kind = classifyAwsError(err);
      if (kind === 'throttling') {
        throttledInARow++;
        if (throttledInARow > MAX_THROTTLED_IN_A_ROW) {
          return { consumers: tally.consumers(), truncated: 'throttling', pages, events: tally.events };
        }
        // 0.1, 0.2, 0.4 … then 30 s: a request that arrived a little early needs only a little longer; refusals
        // that go on mean another caller is using this account and region's budget.
        options.pacer.refused(Math.min(30_000, 100 * 2 ** (throttledInARow - 1)));
        continue;
      }
      if ((kind === 'server' || kind === 'network') && transientRetries < MAX_TRANSIENT_RETRIES) {
        transientRetries++;
        options.pacer.holdOff(1000 * transientRetries);
        continue;
      }
      throw unreadable(err, options.region);
    }
    throttledInARow = 0;
    transientRetries = 0;
    pages++;
    for (const event of page.Events ?? []) tally.add(parseKeyUse(event.CloudTrailEvent, event.EventId));
    nextToken = page.NextToken || undefined;
    if (!nextToken) return { consumers: tally.consumers(), truncated: null, pages, events: tally.events };
  }
  return { consumers: tally.consumers(), truncated: 'max-pages', pages, events: tally.events };
}

/** Why LookupEvents failed, as one line naming the region and what to do. */
function unreadable(err: unknown, region: string): IncompleteError {
  if (err instanceof IncompleteError) return err;
  const kind = classifyAwsError(err);
  const why =
    kind === 'access-denied'
      ? `access denied (the caller needs cloudtrail:LookupEvents): ${describeError(err)}`
      : describeError(err);
  return new CloudTrailUnreadableError(region, why, { cause: err });
}
