// The audit report every surface reads, and how an audit ends (exit code and closing line): one rule for the
// CLI, the Action and the evidence pack, over one account or many.
import { ExitCode } from '../errors.js';
import type { Gap, SourceName, UserRecord } from '../inventory/records.js';
import { type FailOn, failsAt, type Summary } from '../policy/evaluate.js';
import type { Policy } from '../policy/schema.js';
import type { Finding } from '../policy/verdicts.js';
import type { TOOL } from '../version.js';

/** The audit result every renderer, the Action and the evidence pack read. JSON form: schemaVersion 3. */
export interface AuditReport {
  schemaVersion: 3;
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

/** One audited account in a many-accounts report (JSON `accounts[]`). */
export interface AccountResult {
  account: string;
  name: string | null;
  complete: boolean;
  gaps: Gap[];
  summary: Summary;
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
