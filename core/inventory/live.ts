import {
  type AccessKeyMetadata,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetCredentialReportCommand,
  type IAMClient,
  ListAccessKeysCommand,
  paginateListAccessKeys,
  paginateListUsers,
  paginateListUserTags,
  type User,
} from '@aws-sdk/client-iam';
import { accountFromArn, mapWithConcurrency } from '../aws.js';
import { describeError, IncompleteError, isAccessDenied, isThrottling } from '../errors.js';
import type { Finding, Gap, Inventory, KeyRecord, UserRecord } from '../types.js';
import { parseCredentialReport } from './credential-report.js';

export type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface CredentialReportOptions {
  sleep?: Sleep;
  /** Give up waiting for IAM to finish the report after this long. */
  timeoutMs?: number;
}

/**
 * GenerateCredentialReport, polled with exponential backoff until COMPLETE, then GetCredentialReport.
 * IAM regenerates a report at most every 4 hours; a fresh-enough report comes back COMPLETE at once.
 */
export async function fetchCredentialReport(
  client: IAMClient,
  options: CredentialReportOptions = {},
): Promise<Inventory> {
  const sleep = options.sleep ?? realSleep;
  const deadline = Date.now() + (options.timeoutMs ?? 5 * 60_000);
  let delay = 250;
  for (;;) {
    try {
      const { State } = await client.send(new GenerateCredentialReportCommand({}));
      if (State === 'COMPLETE') break;
    } catch (err) {
      if (isAccessDenied(err))
        throw new IncompleteError(`cannot generate the credential report: ${describeError(err)}`);
      // LimitExceeded: another report is being generated; throttling past the SDK's retries: wait and ask again.
      if (!/LimitExceeded/.test((err as Error).name) && !isThrottling(err)) {
        throw new IncompleteError(`cannot generate the credential report: ${describeError(err)}`);
      }
    }
    if (Date.now() + delay > deadline) {
      throw new IncompleteError(
        'the credential report was not ready in time; try again, or use --source api',
      );
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 8_000);
  }
  try {
    const report = await client.send(new GetCredentialReportCommand({}));
    const csv = Buffer.from(report.Content ?? new Uint8Array()).toString('utf8');
    return parseCredentialReport(csv, 'IAM credential report', report.GeneratedTime ?? null);
  } catch (err) {
    if (err instanceof Error && err.name === 'UsageError') {
      throw new IncompleteError(`IAM returned a credential report keywarden cannot read: ${err.message}`);
    }
    throw new IncompleteError(`cannot fetch the credential report: ${describeError(err)}`);
  }
}

export interface ApiInventoryOptions {
  /** Users walked at once; with adaptive retry, IAM's rate limit decides the real pace. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * ListUsers (every page), then per user ListAccessKeys, GetAccessKeyLastUsed per key, and ListUserTags.
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
    throw new IncompleteError(`cannot list IAM users: ${describeError(err)}`);
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
    users.push(result.user);
    keys.push(...result.keys);
    gaps.push(...result.gaps);
  }
  const account = users.find((user) => user.account !== 'unknown')?.account ?? 'unknown';
  return { source: 'api', account, generatedAt: null, users, keys, gaps };
}

async function readUser(
  client: IAMClient,
  listed: User,
): Promise<{ user: UserRecord; keys: KeyRecord[]; gaps: Gap[] }> {
  const name = listed.UserName ?? '';
  const userArn = listed.Arn ?? '';
  const account = accountFromArn(userArn);
  const gaps: Gap[] = [];
  const gap = (what: string, err: unknown) => {
    if (!isAccessDenied(err) && !isThrottling(err) && !isRetryable(err)) throw err;
    gaps.push({ scope: `user:${name}`, reason: `${what}: ${describeError(err)}` });
  };

  let tags: Record<string, string> | null = null;
  try {
    tags = {};
    for await (const page of paginateListUserTags({ client }, { UserName: name })) {
      for (const tag of page.Tags ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
    }
  } catch (err) {
    tags = null;
    gap('ListUserTags', err);
  }

  const metadata: AccessKeyMetadata[] = [];
  try {
    for await (const page of paginateListAccessKeys({ client }, { UserName: name }))
      metadata.push(...(page.AccessKeyMetadata ?? []));
  } catch (err) {
    gap('ListAccessKeys', err);
    return { user: { account, user: name, userArn, tags }, keys: [], gaps };
  }
  metadata.sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0));

  const keys: KeyRecord[] = [];
  for (const [index, key] of metadata.entries()) {
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
    keys.push({
      account,
      user: name,
      userArn,
      accessKeyId: key.AccessKeyId ?? null,
      keySlot: index + 1,
      status: key.Status === 'Inactive' ? 'Inactive' : 'Active',
      createdAt: key.CreateDate ?? new Date(0),
      lastUsedAt,
      lastUsedService,
    });
  }
  return { user: { account, user: name, userArn, tags }, keys, gaps };
}

function isRetryable(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  return status >= 500;
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
  const resolved = findings.map((finding) => {
    const candidates = idsByUser.get(finding.user);
    if (!candidates || finding.severity === 'ok') return finding;
    const createdSecond = Math.floor(finding.createdAt.getTime() / 1000);
    const match = candidates.find(
      (key) => Math.floor((key.CreateDate?.getTime() ?? 0) / 1000) === createdSecond,
    );
    return match?.AccessKeyId ? { ...finding, accessKeyId: match.AccessKeyId } : finding;
  });
  return { findings: resolved, notes };
}
