import type { AuditReport } from '../audit/report.js';
import { verdictCounts } from '../policy/evaluate.js';
import type { Finding, Severity } from '../policy/verdicts.js';
import { visible } from '../text.js';

const COLOUR: Record<Severity, string> = { violation: '\u001b[31m', warning: '\u001b[33m', ok: '\u001b[32m' };
const RESET = '\u001b[0m';
/** SLOT and AGE: numbers line up on the right. */
const NUMERIC_COLUMNS = new Set([2, 5]);

/**
 * A table for people: aligned columns, worst first, colour only when asked (a TTY without NO_COLOR).
 * Text from the account (names, reasons, gaps) is shown through `visible`: no escape sequence, carriage
 * return or bidirectional override in a name can move the cursor or rewrite a line.
 */
export function renderTable(report: AuditReport, options: { colour?: boolean } = {}): string {
  const header = ['VERDICT', 'USER', 'SLOT', 'KEY', 'STATUS', 'AGE', 'LAST USED', 'REASON'];
  const rows = report.findings.map((f) => [
    f.verdict,
    visible(f.user),
    String(f.keySlot),
    visible(f.accessKeyId ?? '-'),
    f.status,
    `${f.ageDays}d`,
    f.lastUsedAt ? f.lastUsedAt.toISOString().slice(0, 10) : 'never',
    visible(f.reason),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const format = (cells: string[]) =>
    cells
      .map((cell, column) => {
        if (column === cells.length - 1) return cell;
        const width = widths[column] ?? 0;
        return NUMERIC_COLUMNS.has(column) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const row = (finding: Finding) => {
    const line = format(rows[report.findings.indexOf(finding)] ?? []);
    return options.colour ? `${COLOUR[finding.severity]}${line}${RESET}` : line;
  };
  const lines: string[] = [];
  const s = report.summary;
  if (report.accounts) {
    // Many accounts: one block per account with its own summary line, then the total.
    const byAccount = groupByAccount(report.findings);
    if (report.findings.length > 0) lines.push(format(header));
    for (const account of report.accounts) {
      const a = account.summary;
      lines.push(
        '',
        `account ${visible(account.account)}${account.name ? ` (${visible(account.name)})` : ''} · ${a.users} users · ${a.keys} keys · ${plural(a.violations, 'violation')}, ${plural(a.warnings, 'warning')}${account.complete ? '' : ` · INCOMPLETE (${account.gaps.length} gap${account.gaps.length === 1 ? '' : 's'})`}`,
        ...(byAccount.get(account.account) ?? []).map(row),
      );
    }
    lines.push(
      '',
      `total · ${report.accounts.length} accounts · ${s.users} users · ${s.keys} keys · as of ${report.asOf.toISOString()} · limit ${report.policy.maxKeyAgeDays} days`,
    );
  } else {
    lines.push(...(report.findings.length > 0 ? [format(header)] : ['No access keys.']));
    lines.push(...report.findings.map(row));
    lines.push(
      '',
      `account ${visible(report.account)} · ${s.users} users · ${s.keys} keys · as of ${report.asOf.toISOString()} · limit ${report.policy.maxKeyAgeDays} days`,
    );
  }
  lines.push(verdictCounts(s));
  if (report.gaps.length > 0) {
    lines.push(
      '',
      `AUDIT INCOMPLETE: ${report.gaps.length} part${report.gaps.length > 1 ? 's' : ''} could not be read:`,
    );
    for (const gap of report.gaps) lines.push(`  ${visible(gap.scope)}: ${visible(gap.reason)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Findings by account, each list keeping the report's order (worst first). */
export function groupByAccount(findings: readonly Finding[]): Map<string, Finding[]> {
  const groups = new Map<string, Finding[]>();
  for (const finding of findings)
    groups.set(finding.account, [...(groups.get(finding.account) ?? []), finding]);
  return groups;
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
