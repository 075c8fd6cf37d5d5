import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { describeError } from '../errors.js';
import { addDays } from '../time.js';
import { HISTORY_DAYS } from './limits.js';
import { CloudTrailUnreadableError, lookupKeyConsumers } from './lookup.js';
import { RequestPacer } from './pace.js';
import type { OldKeyConsumerSource, OldKeyConsumers } from './sighting.js';

/** Lookups one run may make for notices and issue bodies: a few, never one per key of the account. */
export const LOOKUPS_PER_RUN = 3;
/** Pages per such lookup: the 500 most recent events, about five seconds. */
export const PAGES_PER_NOTICE_LOOKUP = 10;

export interface ConsumerFinderOptions {
  maxLookups?: number;
}

/**
 * Looks up the consumers of old keys for one run, within a budget of lookups and pages. Shared by the rotation
 * executor (notices), the Action (issue bodies) and evidence; the same function as `keywarden consumers`.
 */
export class ConsumerFinder implements OldKeyConsumerSource {
  private remaining: number;
  private readonly maxLookups: number;
  private readonly pacer = new RequestPacer();

  constructor(
    private readonly cloudtrail: CloudTrailClient,
    /** The region whose event history is read. */
    readonly region: string,
    options: ConsumerFinderOptions = {},
  ) {
    this.maxLookups = options.maxLookups ?? LOOKUPS_PER_RUN;
    this.remaining = this.maxLookups;
  }

  /** The consumers of `accessKeyId` from `since` (at most 90 days back) to `until`. Never throws. */
  async consumersOf(accessKeyId: string, since: Date, until: Date): Promise<OldKeyConsumers> {
    if (this.remaining <= 0) {
      return {
        kind: 'not-looked-up',
        accessKeyId,
        reason: `keywarden looks up at most ${this.maxLookups} keys a run`,
      };
    }
    this.remaining--;
    const oldest = addDays(until, -HISTORY_DAYS);
    const from = since < oldest ? oldest : since;
    try {
      const found = await lookupKeyConsumers(
        this.cloudtrail,
        accessKeyId,
        { since: from, until },
        { maxPages: PAGES_PER_NOTICE_LOOKUP, pacer: this.pacer, region: this.region },
      );
      return {
        kind: 'seen',
        accessKeyId,
        region: this.region,
        since: from,
        until,
        consumers: found.consumers,
        truncated: found.truncated !== null,
      };
    } catch (err) {
      const reason = err instanceof CloudTrailUnreadableError ? err.why : describeError(err);
      return { kind: 'unreadable', accessKeyId, region: this.region, reason };
    }
  }
}
