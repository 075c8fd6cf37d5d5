import type { IAMClient } from '@aws-sdk/client-iam';
import type { AccountResult } from './accounts/audit.js';
import type { AwsClientOptions } from './aws.js';
import type { Config, Policy } from './config-schema.js';
import { ExitCode, UsageError } from './errors.js';
import { evaluate, type FailOn, failsAt, type Summary, summarize } from './evaluate.js';
import { readSavedReport } from './inventory/credential-report.js';
import type { Finding, Gap, Inventory, SourceName, UserRecord } from './types.js';
import { TOOL } from './version.js';

/** The audit result every renderer, the Action and the evidence pack read. JSON form: schemaVersion 2. */
export interface AuditReport {
  schemaVersion: 2;
  tool: typeof TOOL;
  asOf: Date;
  source: SourceName;
  account: string;
  policy: Policy;
  summary: Summary;
  findings: Finding[];
  /** Users the audit saw (tags only from the API source). Not in the JSON contract. */
  users: UserRecord[];
  /** What could not be read. Non-empty means the audit is incomplete (exit 3). */
  gaps: Gap[];
  /** Things worth telling a person that do not change a verdict. */
  notes: string[];
  /** A many-accounts audit (`--accounts`): one entry per audited account. Absent for one account. */
  accounts?: AccountResult[];
}

export interface AuditRequest {
  config: Config;
  asOf: Date;
  source: SourceName;
  /** Audit a saved credential report instead of asking IAM. */
  credentialReportFile?: string | undefined;
  /** Where a relative `credentialReportFile` is found (default: the process's cwd). */
  cwd?: string;
  /** Read when `credentialReportFile` is `-`. */
  stdin?: NodeJS.ReadableStream;
  client?: IAMClient;
  /** --profile / --region and the edge's environment, for the IAM client made when none is given. */
  aws?: AwsClientOptions | undefined;
  onProgress?: (done: number, total: number) => void;
}

export async function runAudit(request: AuditRequest): Promise<AuditReport> {
  const { config, asOf } = request;
  let inventory: Inventory;
  const notes: string[] = [];
  if (request.credentialReportFile) {
    if (request.source === 'api')
      throw new UsageError('--credential-report cannot be combined with --source api');
    inventory = await readSavedReport(request.credentialReportFile, {
      cwd: request.cwd ?? process.cwd(),
      stdin: request.stdin,
    });
  } else {
    // The AWS SDK is imported only for a live audit: an offline audit starts without parsing it.
    const { fetchApiInventory, fetchCredentialReport, resolveFlaggedKeyIds } = await import(
      './inventory/live.js'
    );
    const client = request.client ?? (await import('./aws.js')).createIamClient(request.aws);
    inventory =
      request.source === 'api'
        ? await fetchApiInventory(client, { onProgress: request.onProgress })
        : await fetchCredentialReport(client);
    if (inventory.source === 'credential-report') {
      const findings = evaluate(inventory.keys, config, asOf);
      const resolved = await resolveFlaggedKeyIds(client, findings);
      notes.push(...resolved.notes);
      return buildReport(inventory, resolved.findings, config, asOf, notes);
    }
  }
  if (inventory.generatedAt && asOf.getTime() - inventory.generatedAt.getTime() > 4 * 3600_000 + 60_000) {
    notes.push(
      `the credential report was generated at ${inventory.generatedAt.toISOString()}, before the audit time`,
    );
  }
  return buildReport(inventory, evaluate(inventory.keys, config, asOf), config, asOf, notes);
}

function buildReport(
  inventory: Inventory,
  findings: Finding[],
  config: Config,
  asOf: Date,
  notes: string[],
): AuditReport {
  return {
    schemaVersion: 2,
    tool: TOOL,
    asOf,
    source: inventory.source,
    account: inventory.account,
    policy: {
      maxKeyAgeDays: config.maxKeyAgeDays,
      warnDays: config.warnDays,
      unusedKeyDays: config.unusedKeyDays,
    },
    summary: summarize(findings, inventory.users.length),
    findings,
    users: inventory.users,
    gaps: inventory.gaps,
    notes,
  };
}

/**
 * How an audit ends, for every surface: the exit code and the closing message (null when it passes), which each
 * edge prints as its one line `keywarden: <message>`.
 */
export interface AuditOutcome {
  exitCode: typeof ExitCode.ok | typeof ExitCode.findings | typeof ExitCode.incomplete;
  message: string | null;
}

/**
 * The one rule: gaps make the audit incomplete (exit 3) whatever was found, since a clean result is not
 * proven; so is one whose findings Security Hub refused (they did not all arrive where they were sent);
 * otherwise findings at or above `failOn` fail it (exit 1). `detail` says where a person
 * reads more ("see the report's gaps", "see the job summary"); `consequence` what the surface did not do because of it.
 */
export function auditOutcome(
  result: {
    account: string;
    summary: Pick<Summary, 'violations' | 'warnings'>;
    gaps: readonly Gap[];
    /** A many-accounts audit: the accounts, each complete or not. */
    accounts?: readonly Pick<AccountResult, 'complete'>[] | undefined;
    /** Findings Security Hub refused (`--security-hub`): the findings were not all delivered, as for a gap. */
    refusedFindings?: number;
  },
  failOn: FailOn,
  options: { detail: string; incompleteConsequence?: string },
): AuditOutcome {
  const { account, summary, gaps, accounts } = result;
  const where = accounts
    ? `${accounts.length} account${accounts.length === 1 ? '' : 's'}`
    : `account ${account}`;
  if (gaps.length > 0) {
    const consequence = options.incompleteConsequence ? `; ${options.incompleteConsequence}` : '';
    const partOf = accounts ? `${accounts.filter((a) => !a.complete).length} of ${where}` : where;
    return {
      exitCode: ExitCode.incomplete,
      message: `audit incomplete: ${gaps.length} part${gaps.length === 1 ? '' : 's'} of ${partOf} could not be read${consequence} (${options.detail})`,
    };
  }
  const refused = result.refusedFindings ?? 0;
  if (refused > 0) {
    return {
      exitCode: ExitCode.incomplete,
      message: `Security Hub refused ${refused} finding${refused === 1 ? '' : 's'} of ${where}: not every finding is there`,
    };
  }
  if (failsAt(summary, failOn)) {
    const { violations: v, warnings: w } = summary;
    return {
      exitCode: ExitCode.findings,
      message: `${v} violation${v === 1 ? '' : 's'} and ${w} warning${w === 1 ? '' : 's'} in ${where} (fail-on: ${failOn})`,
    };
  }
  return { exitCode: ExitCode.ok, message: null };
}
