import type { AuditReport } from '../audit.js';
import { verdictCounts } from '../evaluate.js';
import type { Severity } from '../types.js';

const COLOUR: Record<Severity, string> = { violation: '\u001b[31m', warning: '\u001b[33m', ok: '\u001b[32m' };
const RESET = '\u001b[0m';
/** SLOT and AGE: numbers line up on the right. */
const NUMERIC_COLUMNS = new Set([2, 5]);

/** A table for people: aligned columns, worst first, colour only when asked (a TTY without NO_COLOR). */
export function renderTable(report: AuditReport, options: { colour?: boolean } = {}): string {
  const header = ['VERDICT', 'USER', 'SLOT', 'KEY', 'STATUS', 'AGE', 'LAST USED', 'REASON'];
  const rows = report.findings.map((f) => [
    f.verdict,
    f.user,
    String(f.keySlot),
    f.accessKeyId ?? '-',
    f.status,
    `${f.ageDays}d`,
    f.lastUsedAt ? f.lastUsedAt.toISOString().slice(0, 10) : 'never',
    f.reason,
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
  const lines = report.findings.length > 0 ? [format(header)] : ['No access keys.'];
  report.findings.forEach((finding, index) => {
    const line = format(rows[index] ?? []);
    lines.push(options.colour ? `${COLOUR[finding.severity]}${line}${RESET}` : line);
  });
  const s = report.summary;
  lines.push(
    '',
    `account ${report.account} · ${s.users} users · ${s.keys} keys · as of ${report.asOf.toISOString()} · limit ${report.policy.maxKeyAgeDays} days`,
    verdictCounts(s),
  );
  if (report.gaps.length > 0) {
    lines.push(
      '',
      `AUDIT INCOMPLETE: ${report.gaps.length} part${report.gaps.length > 1 ? 's' : ''} could not be read:`,
    );
    for (const gap of report.gaps) lines.push(`  ${gap.scope}: ${gap.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
