import { IAMClient } from '@aws-sdk/client-iam';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AccountResult, AuditReport } from '../audit/report.js';
import { runAudit } from '../audit/run.js';
import { partitionOf } from '../aws/arn.js';
import { type AwsClientOptions, clientConfig, mapWithConcurrency } from '../aws/clients.js';
import { callerIdentity } from '../aws/identity.js';
import { describeError, UsageError } from '../errors.js';
import type { Gap, SourceName } from '../inventory/records.js';
import { summarize, worstFirst } from '../policy/evaluate.js';
import type { Config } from '../policy/schema.js';
import { TOOL } from '../version.js';
import { discoverAccounts, type MemberAccount } from './discover.js';
import { type AccountsSpec, DEFAULT_ACCOUNT_CONCURRENCY } from './spec.js';

/** What a many-accounts report's top-level `account` says: no single account was audited. */
export const MANY_ACCOUNTS = 'multiple';

export interface AccountsAuditRequest {
  spec: AccountsSpec;
  /** The role assumed in every account: arn:<partition>:iam::<id>:role/<roleName>. */
  roleName: string;
  externalId?: string | undefined;
  /** Names keywarden and the run in CloudTrail (`keywarden-audit-…`); at most 64 characters. */
  sessionName: string;
  concurrency?: number | undefined;
  config: Config;
  asOf: Date;
  source: SourceName;
  /** --profile / --region and the edge's environment, for the caller's own clients (STS, Organizations). */
  aws?: AwsClientOptions | undefined;
  /**
   * Reads more of each account with its assumed credentials, after its audit (evidence: the account's own
   * trail). What it throws becomes a gap of that account in `scope`, like an unreadable IAM; a defect stops
   * the run.
   */
  alsoRead?: { scope: string; read: (account: string, aws: AwsClientOptions) => Promise<void> };
  /** Test seams: the caller's STS and the Organizations client. */
  sts?: STSClient;
  organizations?: OrganizationsClient;
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/**
 * Audits every account of the spec through STS AssumeRole, at most `concurrency` at a time, and merges them
 * into one report: findings of all accounts worst first, one summary, `accounts[]` per account. An account
 * that cannot be assumed or read is a gap of that account (the report is incomplete), never left out.
 */
export async function runAccountsAudit(request: AccountsAuditRequest): Promise<AuditReport> {
  if (!ROLE_NAME.test(request.roleName)) {
    throw new UsageError(
      `--role-name ${request.roleName}: not an IAM role name ([\\w+=,.@-], 1–64 characters)`,
    );
  }
  if (!SESSION_NAME.test(request.sessionName)) {
    throw new UsageError(`session name ${request.sessionName}: not a valid STS session name`);
  }
  const concurrency = request.concurrency ?? DEFAULT_ACCOUNT_CONCURRENCY;
  const sts = request.sts ?? new STSClient(clientConfig({ ...request.aws, global: true }));
  try {
    const partition = partitionOf((await callerIdentity(sts)).arn);
    const notes: string[] = [];
    let members: MemberAccount[];
    if (request.spec.kind === 'organization') {
      const found = await discoverAccounts(
        request.spec.organizationalUnits,
        request.organizations,
        request.aws,
      );
      members = found.accounts;
      for (const s of found.skipped) {
        notes.push(`account ${s.account}${s.name ? ` (${s.name})` : ''} is ${s.status}, not audited`);
      }
      if (members.length === 0) notes.push('the organization (or the units given) holds no ACTIVE account');
    } else {
      members = request.spec.accounts.map((account) => ({ account, name: null }));
    }
    const audits = await mapWithConcurrency(members, concurrency, (member) =>
      auditOneAccount(member, partition, sts, request),
    );
    return mergeReports(audits, request, notes);
  } finally {
    if (!request.sts) sts.destroy();
  }
}

interface OneAccount {
  member: MemberAccount;
  report: AuditReport | null;
  gaps: Gap[];
}

async function auditOneAccount(
  member: MemberAccount,
  partition: string,
  sts: STSClient,
  request: AccountsAuditRequest,
): Promise<OneAccount> {
  const roleArn = `arn:${partition}:iam::${member.account}:role/${request.roleName}`;
  let credentials: NonNullable<Parameters<typeof clientConfig>[0]>['credentials'];
  try {
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: request.sessionName,
        ExternalId: request.externalId,
      }),
    );
    const c = assumed.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('STS returned no credentials');
    credentials = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  } catch (err) {
    return {
      member,
      report: null,
      gaps: [{ scope: 'account', reason: `cannot assume ${roleArn}: ${describeError(err)}` }],
    };
  }
  const assumedAws: AwsClientOptions = { ...request.aws, profile: undefined, credentials };
  const client = new IAMClient(clientConfig({ ...assumedAws, global: true }));
  try {
    const report = await runAudit({
      config: request.config,
      asOf: request.asOf,
      source: request.source,
      client,
    });
    if (!request.alsoRead) return { member, report, gaps: report.gaps };
    try {
      await request.alsoRead.read(member.account, assumedAws);
    } catch (err) {
      if (isDefect(err)) throw err;
      const gap = { scope: request.alsoRead.scope, reason: describeError(err) };
      return { member, report, gaps: [...report.gaps, gap] };
    }
    return { member, report, gaps: report.gaps };
  } catch (err) {
    if (isDefect(err)) throw err;
    return { member, report: null, gaps: [{ scope: 'account', reason: describeError(err) }] };
  } finally {
    client.destroy();
  }
}

/**
 * What stops the whole run instead of becoming one account's gap: bad input, and keywarden's own bugs (a
 * programming error must not pass for an unreadable account).
 */
function isDefect(err: unknown): boolean {
  return (
    err instanceof UsageError ||
    err instanceof TypeError ||
    err instanceof RangeError ||
    err instanceof ReferenceError
  );
}

function mergeReports(audits: OneAccount[], request: AccountsAuditRequest, notes: string[]): AuditReport {
  const findings = audits.flatMap((a) => a.report?.findings ?? []).sort(worstFirst);
  const users = audits.flatMap((a) => a.report?.users ?? []);
  const accounts: AccountResult[] = audits.map(({ member, report, gaps }) => ({
    account: member.account,
    name: member.name,
    complete: gaps.length === 0,
    gaps,
    summary: report?.summary ?? summarize([], 0),
  }));
  for (const { member, report } of audits) {
    for (const note of report?.notes ?? []) notes.push(`account ${member.account}: ${note}`);
  }
  return {
    schemaVersion: 3,
    tool: TOOL,
    asOf: request.asOf,
    source: request.source,
    account: MANY_ACCOUNTS,
    policy: {
      maxKeyAgeDays: request.config.maxKeyAgeDays,
      warnDays: request.config.warnDays,
      unusedKeyDays: request.config.unusedKeyDays,
    },
    summary: summarize(findings, users.length),
    findings,
    users,
    // One gap list for the exit code and every surface; each names its account.
    gaps: audits.flatMap(({ member, gaps }) =>
      gaps.map((gap) => ({
        scope:
          gap.scope === 'account' ? `account:${member.account}` : `account:${member.account}/${gap.scope}`,
        reason: gap.reason,
      })),
    ),
    notes,
    accounts,
  };
}

/** `keywarden-audit-<run>`: the run ID (GitHub's run and attempt, or the start time) names the session. */
export function sessionNameFor(run: string): string {
  return `keywarden-audit-${run.replace(/[^\w+=,.@-]/g, '-')}`.slice(0, 64);
}

/** Complete accounts of a report: every account of a many-accounts audit without gaps, else the one. */
export function completeAccountsOf(report: AuditReport): Set<string> {
  if (report.accounts) return new Set(report.accounts.filter((a) => a.complete).map((a) => a.account));
  return new Set(report.gaps.length === 0 ? [report.account] : []);
}
