import {
  type AccessKeyMetadata,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetCredentialReportCommand,
  type IAMClient,
  ListAccessKeysCommand,
  paginateListAccessKeys,
  paginateListAttachedUserPolicies,
  paginateListEntitiesForPolicy,
  paginateListUsers,
  paginateListUserTags,
  type User,
} from '@aws-sdk/client-iam';
import { accountFromArn, partitionOf } from '../aws/arn.js';
import { mapWithConcurrency } from '../aws/clients.js';
import {
  QUARANTINE_POLICY_NAMES,
  type QuarantinePolicyName,
  quarantinePolicyArn,
  quarantinePolicyOf,
} from '../aws/quarantine.js';
import {
  classifyAwsError,
  describeError,
  errorMessage,
  IncompleteError,
  isAccessDenied,
  isAwsError,
  isThrottling,
} from '../errors.js';
import type { Finding } from '../policy/verdicts.js';
import { parseCredentialReport } from './credential-report.js';
import type { Gap, Inventory, KeyRecord, UserRecord } from './records.js';

export type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface CredentialReportOptions {
  sleep?: Sleep;
  /** Give up waiting for IAM to finish the report after this much waiting in total. */
  timeoutMs?: number;
}

/** Errors that mean "a report is on its way, ask again": another generation running, or not yet stored. */
const REPORT_NOT_READY =
  /LimitExceeded|ReportInProgress|ReportNotPresent|ReportExpired|CredentialReportNotReady/;

/**
 * GenerateCredentialReport, polled with exponential backoff until COMPLETE, then GetCredentialReport.
 * IAM regenerates a report at most every 4 hours; a fresh-enough report comes back COMPLETE at once.
 * The wait is counted in slept time (not the wall clock) so that an injected `sleep` makes it deterministic.
 */
export async function fetchCredentialReport(
  client: IAMClient,
  options: CredentialReportOptions = {},
): Promise<Inventory> {
  const sleep = options.sleep ?? realSleep;
  const budget = options.timeoutMs ?? 5 * 60_000;
  let waited = 0;
  let delay = 250;
  let lastProblem = 'IAM kept saying the report was being generated';
  for (;;) {
    const report = await tryFetchReport(client);
    if (report.ready) return report.inventory;
    lastProblem = report.problem ?? lastProblem;
    if (waited + delay > budget) {
      throw new IncompleteError(
        `the credential report was not ready after ${Math.round(waited / 1000)} s of waiting (${lastProblem}); try again, or use --source api`,
      );
    }
    await sleep(delay);
    waited += delay;
    delay = Math.min(delay * 2, 8_000);
  }
}

type ReportAttempt = { ready: true; inventory: Inventory } | { ready: false; problem?: string };

async function tryFetchReport(client: IAMClient): Promise<ReportAttempt> {
  try {
    const { State } = await client.send(new GenerateCredentialReportCommand({}));
    if (State !== 'COMPLETE') return { ready: false, problem: `report state ${State ?? 'unknown'}` };
  } catch (err) {
    // Throttling has already been retried by the SDK; waiting longer here is the backoff past it.
    if (isAwsError(err, REPORT_NOT_READY) || isThrottling(err)) {
      return { ready: false, problem: describeError(err) };
    }
    throw new IncompleteError(`cannot generate the credential report: ${describeError(err)}`, { cause: err });
  }
  let content: Uint8Array | undefined;
  let generatedAt: Date | null = null;
  try {
    const report = await client.send(new GetCredentialReportCommand({}));
    content = report.Content;
    generatedAt = report.GeneratedTime ?? null;
  } catch (err) {
    if (isAwsError(err, REPORT_NOT_READY) || isThrottling(err)) {
      return { ready: false, problem: describeError(err) };
    }
    throw new IncompleteError(`cannot fetch the credential report: ${describeError(err)}`, { cause: err });
  }
  const csv = Buffer.from(content ?? new Uint8Array()).toString('utf8');
  try {
    return { ready: true, inventory: parseCredentialReport(csv, 'IAM credential report', generatedAt) };
  } catch (err) {
    throw new IncompleteError(
      `IAM returned a credential report keywarden cannot read: ${errorMessage(err)}`,
      { cause: err },
    );
  }
}

export interface ApiInventoryOptions {
  /** Users walked at once; with adaptive retry, IAM's rate limit decides the real pace. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * ListUsers (every page), then per user ListAccessKeys, GetAccessKeyLastUsed per key, ListUserTags and
 * ListAttachedUserPolicies (AWS's quarantine policies).
 * A user that cannot be read becomes a Gap (the audit is incomplete, exit 3); the rest is still reported.
 */
export async function fetchApiInventory(
  client: IAMClient,
  options: ApiInventoryOptions = {},
): Promise<Inventory> {
  const listed: User[] = [];
  try {
    for await (const page of paginateListUsers({ client, pageSize: 1000 }, {}))
      listed.push(...(page.Users ?? []));
  } catch (err) {
    throw new IncompleteError(`cannot list IAM users: ${describeError(err)}`, { cause: err });
  }
  const gaps: Gap[] = [];
  const users: UserRecord[] = [];
  const keys: KeyRecord[] = [];
  let done = 0;
  const perUser = await mapWithConcurrency(listed, options.concurrency ?? 16, async (user) => {
    const result = await readUser(client, user);
    options.onProgress?.(++done, listed.length);
    return result;
  });
  for (const result of perUser) {
    if (result.user) users.push(result.user);
    keys.push(...result.keys);
    gaps.push(...result.gaps);
  }
  const account = users.find((user) => user.account !== 'unknown')?.account ?? 'unknown';
  return { source: 'api', account, generatedAt: null, users, keys, gaps };
}

export async function readUser(
  client: IAMClient,
  listed: User,
): Promise<{ user: UserRecord | null; keys: KeyRecord[]; gaps: Gap[] }> {
  const name = listed.UserName ?? '';
  const userArn = listed.Arn ?? '';
  const account = accountFromArn(userArn);
  const gaps: Gap[] = [];
  const gap = (what: string, err: unknown) => {
    if (!isAccessDenied(err) && !isThrottling(err) && !isRetryable(err)) throw err;
    gaps.push({ scope: `user:${name}`, reason: `${what}: ${describeError(err)}` });
  };

  // Tags, keys and attached policies are independent: ask for all at once.
  const [tags, metadata, quarantinePolicies] = await Promise.all([
    listTags(client, name).catch((err: unknown) => {
      if (isNoSuchEntity(err)) return USER_GONE;
      gap('ListUserTags', err);
      return null;
    }),
    listKeys(client, name).catch((err: unknown) => {
      if (isNoSuchEntity(err)) return USER_GONE;
      gap('ListAccessKeys', err);
      return null;
    }),
    listQuarantinePolicies(client, name).catch((err: unknown) => {
      if (isNoSuchEntity(err)) return USER_GONE;
      gap('ListAttachedUserPolicies', err);
      return null;
    }),
  ]);
  // Deleted between ListUsers and now: it has no keys to audit, and that is not a gap.
  if (tags === USER_GONE || metadata === USER_GONE || quarantinePolicies === USER_GONE)
    return { user: null, keys: [], gaps: [] };
  const user: UserRecord = { account, user: name, userArn, tags, quarantinePolicies };
  if (metadata === null) return { user, keys: [], gaps };
  metadata.sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0));

  const keys = await Promise.all(
    metadata.map(async (key, index): Promise<KeyRecord> => {
      let lastUsedAt: Date | null = null;
      let lastUsedService: string | null = null;
      try {
        const used = await client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId }));
        lastUsedAt = used.AccessKeyLastUsed?.LastUsedDate ?? null;
        const service = used.AccessKeyLastUsed?.ServiceName;
        lastUsedService = service && service !== 'N/A' ? service : null;
      } catch (err) {
        gap(`GetAccessKeyLastUsed ${key.AccessKeyId}`, err);
      }
      return {
        account,
        user: name,
        userArn,
        accessKeyId: key.AccessKeyId ?? null,
        keySlot: index + 1,
        status: key.Status === 'Inactive' ? 'Inactive' : 'Active',
        createdAt: key.CreateDate ?? new Date(0),
        lastUsedAt,
        lastUsedService,
      };
    }),
  );
  return { user, keys, gaps };
}

const USER_GONE = Symbol('user deleted during the audit');

async function listTags(client: IAMClient, userName: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  for await (const page of paginateListUserTags({ client }, { UserName: userName })) {
    for (const tag of page.Tags ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
  }
  return tags;
}

async function listKeys(client: IAMClient, userName: string): Promise<AccessKeyMetadata[]> {
  const metadata: AccessKeyMetadata[] = [];
  for await (const page of paginateListAccessKeys({ client }, { UserName: userName }))
    metadata.push(...(page.AccessKeyMetadata ?? []));
  return metadata;
}

/** An access key as ListAccessKeys names it: the facts rotation and `keywarden consumers` start from. */
export interface ListedAccessKey {
  id: string;
  status: 'Active' | 'Inactive';
  createdAt: Date;
}

/** The user's access keys (ListAccessKeys, every page), oldest first. AWS's errors pass through. */
export async function listAccessKeys(client: IAMClient, userName: string): Promise<ListedAccessKey[]> {
  const keys: ListedAccessKey[] = [];
  for (const key of await listKeys(client, userName)) {
    if (!key.AccessKeyId) continue;
    keys.push({
      id: key.AccessKeyId,
      status: key.Status === 'Inactive' ? 'Inactive' : 'Active',
      createdAt: key.CreateDate ?? new Date(0),
    });
  }
  return keys.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/** AWS's quarantine policies attached to the user (ListAttachedUserPolicies, every page). */
export async function listQuarantinePolicies(
  client: IAMClient,
  userName: string,
): Promise<QuarantinePolicyName[]> {
  const found: QuarantinePolicyName[] = [];
  for await (const page of paginateListAttachedUserPolicies({ client }, { UserName: userName })) {
    for (const policy of page.AttachedPolicies ?? []) {
      const quarantine = quarantinePolicyOf(policy.PolicyArn ?? '');
      if (quarantine && !found.includes(quarantine)) found.push(quarantine);
    }
  }
  return found.sort();
}

/**
 * For a live credential-report audit: which users AWS has quarantined, for the whole account at once. AWS
 * attaches its quarantine policy to the user, so ListEntitiesForPolicy (EntityFilter User, every page) of each of
 * the three policies names every quarantined user: 3 calls whatever the number of users, where asking each user
 * (ListAttachedUserPolicies) costs one call per user (bench/quarantine.bench.mjs measures both). Every user of the
 * report then has its list ([] when none). A policy this partition does not have is attached to nobody. A
 * refused or failed read is a Gap (exit 3) and leaves every user "not read", never "not quarantined".
 */
export async function readQuarantine(client: IAMClient, inventory: Inventory): Promise<Inventory> {
  const someArn = inventory.users[0]?.userArn ?? inventory.keys[0]?.userArn;
  if (!someArn) return inventory; // no user: nobody to have quarantined
  const partition = partitionOf(someArn);
  const carriers = new Map<string, QuarantinePolicyName[]>();
  try {
    for (const name of QUARANTINE_POLICY_NAMES) {
      const policyArn = quarantinePolicyArn(name, partition);
      try {
        const pages = paginateListEntitiesForPolicy(
          { client },
          { PolicyArn: policyArn, EntityFilter: 'User' },
        );
        for await (const page of pages) {
          for (const user of page.PolicyUsers ?? []) {
            if (user.UserName) carriers.set(user.UserName, [...(carriers.get(user.UserName) ?? []), name]);
          }
        }
      } catch (err) {
        if (!isNoSuchEntity(err)) throw err;
      }
    }
  } catch (err) {
    if (!isAccessDenied(err) && !isThrottling(err) && !isRetryable(err)) throw err;
    const gap = {
      scope: 'account',
      reason: `ListEntitiesForPolicy (AWS's quarantine): ${describeError(err)}`,
    };
    return { ...inventory, gaps: [...inventory.gaps, gap] };
  }
  const users = inventory.users.map((user) => ({
    ...user,
    quarantinePolicies: (carriers.get(user.user) ?? []).sort(),
  }));
  return { ...inventory, users };
}

function isNoSuchEntity(err: unknown): boolean {
  return classifyAwsError(err) === 'not-found';
}

function isRetryable(err: unknown): boolean {
  return classifyAwsError(err) === 'server';
}

/**
 * Pairs one user's report rows with the keys ListAccessKeys returned, each key used once. The report
 * gives creation times to the second, so two keys created in the same second look alike: matched by
 * creation second, then (when status tells them apart) by status, then by slot, the report's key 1
 * being the older key. Every row of the user takes part (compliant ones too), so that a flagged key 2
 * is never handed key 1's ID just because key 1 needed no lookup.
 */
function matchKeyIds(rows: readonly Finding[], listed: readonly AccessKeyMetadata[]): Map<Finding, string> {
  const second = (date: Date | undefined) => Math.floor((date?.getTime() ?? 0) / 1000);
  const unused = listed
    .filter((key) => key.AccessKeyId)
    .map((key, order) => ({ key, order }))
    .sort(
      (a, b) => (a.key.CreateDate?.getTime() ?? 0) - (b.key.CreateDate?.getTime() ?? 0) || a.order - b.order,
    )
    .map(({ key }) => key);
  const matched = new Map<Finding, string>();
  for (const row of [...rows].sort((a, b) => a.keySlot - b.keySlot)) {
    const sameSecond = unused.filter((key) => second(key.CreateDate) === second(row.createdAt));
    const match = sameSecond.find((key) => key.Status === row.status) ?? sameSecond[0];
    if (!match?.AccessKeyId) continue;
    matched.set(row, match.AccessKeyId);
    unused.splice(unused.indexOf(match), 1);
  }
  return matched;
}

/**
 * The credential report carries no key IDs. For the keys a person must act on (warnings and violations),
 * look them up: one ListAccessKeys per flagged user, matched by creation time. Returns notes for
 * IDs that could not be found; the findings themselves stay complete.
 */
export async function resolveFlaggedKeyIds(
  client: IAMClient,
  findings: Finding[],
  concurrency = 8,
): Promise<{ findings: Finding[]; notes: string[] }> {
  const flaggedUsers = [
    ...new Set(
      findings
        .filter((f) => f.severity !== 'ok' && f.accessKeyId === null && f.user !== '<root_account>')
        .map((f) => f.user),
    ),
  ];
  const notes: string[] = [];
  const idsByUser = new Map<string, AccessKeyMetadata[]>();
  await mapWithConcurrency(flaggedUsers, concurrency, async (user) => {
    try {
      const page = await client.send(new ListAccessKeysCommand({ UserName: user }));
      idsByUser.set(user, page.AccessKeyMetadata ?? []);
    } catch (err) {
      notes.push(`key IDs of ${user} not looked up: ${describeError(err)}`);
    }
  });
  const assigned = new Map<Finding, string>();
  for (const [user, listed] of idsByUser) {
    const ids = matchKeyIds(
      findings.filter((finding) => finding.user === user),
      listed,
    );
    for (const [finding, id] of ids) assigned.set(finding, id);
  }
  const resolved = findings.map((finding) => {
    const id = assigned.get(finding);
    return id && finding.severity !== 'ok' ? { ...finding, accessKeyId: id } : finding;
  });
  return { findings: resolved, notes };
}
