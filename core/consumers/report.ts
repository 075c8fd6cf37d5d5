import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { GetAccessKeyLastUsedCommand, type IAMClient } from '@aws-sdk/client-iam';
import { classifyAwsError, describeError, IncompleteError, UsageError } from '../errors.js';
import { type ListedAccessKey, listAccessKeys } from '../inventory/live.js';
import { addDays } from '../time.js';
import type { Consumer } from './group.js';
import { CONSUMER_DAYS, HISTORY_DAYS } from './limits.js';
import { type KeyConsumers, lookupKeyConsumers, type Truncation } from './lookup.js';
import type { RequestPacer } from './pace.js';

/** The version of the `keywarden consumers --format json` contract (CHANGELOG.md). */
export const CONSUMERS_SCHEMA_VERSION = 1;

export interface LastUse {
  at: Date;
  /** As IAM reports it (`s3`, `iam` …); `N/A` is reported as null. */
  service: string | null;
  region: string | null;
}

export interface KeyConsumersReport {
  accessKeyId: string;
  status: 'Active' | 'Inactive';
  createdAt: Date;
  /** GetAccessKeyLastUsed: any region, any service, data events included; null = never used. */
  lastUsed: LastUse | null;
  consumers: Consumer[];
  /** True when the lookup stopped before its last page: the consumers are those of the pages read. */
  truncated: boolean;
  truncatedBy: Truncation | null;
  /** LookupEvents pages read, and the events in them. */
  pages: number;
  events: number;
}

export interface ConsumersReport {
  schemaVersion: typeof CONSUMERS_SCHEMA_VERSION;
  user: string;
  account: string;
  /** The one region whose event history was read. */
  region: string;
  /** The window read: `since` to `until` (the --as-of instant). */
  since: Date;
  until: Date;
  keys: KeyConsumersReport[];
}

export interface ConsumersRequest {
  user: string;
  days: number;
  maxPages: number;
  asOf: Date;
  account: string;
  /** The region of `cloudtrail`. */
  region: string;
  iam: IAMClient;
  cloudtrail: CloudTrailClient;
  /** One per account and region. */
  pacer: RequestPacer;
}

/** The window of a lookup: `days` whole days up to `asOf`; more than CloudTrail keeps is refused. */
export function lookupWindow(asOf: Date, days: number): { since: Date; until: Date } {
  if (!Number.isSafeInteger(days) || days < CONSUMER_DAYS.min || days > CONSUMER_DAYS.max) {
    throw new UsageError(
      `--days must be a whole number from ${CONSUMER_DAYS.min} to ${CONSUMER_DAYS.max}: CloudTrail's event history keeps ${HISTORY_DAYS} days`,
    );
  }
  return { since: addDays(asOf, -days), until: asOf };
}

/**
 * Each access key of a user: its last use (GetAccessKeyLastUsed) and its consumers (CloudTrail LookupEvents by
 * AccessKeyId in the client's region over `days` days up to `asOf`). Calls: 1 ListAccessKeys, then per key 1
 * GetAccessKeyLastUsed and 1..maxPages LookupEvents at two a second.
 */
export async function consumersOf(request: ConsumersRequest): Promise<ConsumersReport> {
  const window = lookupWindow(request.asOf, request.days);
  const keys = await listKeys(request.iam, request.user);
  const reports: KeyConsumersReport[] = [];
  for (const key of keys) {
    const lastUsed = await lastUseOf(request.iam, key.id);
    const found: KeyConsumers = await lookupKeyConsumers(request.cloudtrail, key.id, window, {
      maxPages: request.maxPages,
      pacer: request.pacer,
      region: request.region,
    });
    reports.push({
      accessKeyId: key.id,
      status: key.status,
      createdAt: key.createdAt,
      lastUsed,
      consumers: found.consumers,
      truncated: found.truncated !== null,
      truncatedBy: found.truncated,
      pages: found.pages,
      events: found.events,
    });
  }
  return {
    schemaVersion: CONSUMERS_SCHEMA_VERSION,
    user: request.user,
    account: request.account,
    region: request.region,
    since: window.since,
    until: window.until,
    keys: reports,
  };
}

async function listKeys(iam: IAMClient, user: string): Promise<ListedAccessKey[]> {
  try {
    return await listAccessKeys(iam, user);
  } catch (err) {
    if (classifyAwsError(err) === 'not-found') {
      throw new UsageError(`no IAM user named ${user} in this account`, { cause: err });
    }
    throw new IncompleteError(`cannot list the access keys of ${user}: ${describeError(err)}`, {
      cause: err,
    });
  }
}

/** GetAccessKeyLastUsed; IAM's `N/A` (never used, or not tracked) becomes null. */
export async function lastUseOf(iam: IAMClient, accessKeyId: string): Promise<LastUse | null> {
  try {
    const answer = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }));
    const used = answer.AccessKeyLastUsed;
    if (!used?.LastUsedDate) return null;
    const known = (value: string | undefined) => (value && value !== 'N/A' ? value : null);
    return { at: used.LastUsedDate, service: known(used.ServiceName), region: known(used.Region) };
  } catch (err) {
    throw new IncompleteError(`cannot read when ${accessKeyId} was last used: ${describeError(err)}`, {
      cause: err,
    });
  }
}
