import type { AccountResult, AuditReport } from '../audit/report.js';
import type { Gap } from '../inventory/records.js';
import { SUMMARY_ORDER } from '../policy/evaluate.js';
import type { Finding } from '../policy/verdicts.js';
import { visible } from '../text.js';
import { groupByAccount } from './table.js';

/**
 * The one escaper for untrusted text (IAM user names, tags, reasons) in any Markdown keywarden writes:
 * issues, job summaries, reports, evidence. It renders inert: no markup, links, HTML or table breaks, no
 * @-mentions that would notify someone, no #-references, no autolinked URLs. A line break becomes a space
 * (a cell or a list item stays one line); every other control or bidirectional character is shown escaped
 * (`visible`), so that a name can neither split a table row nor reorder what a reader sees.
 */
export function escapeMarkdown(text: string): string {
  return (
    visible(text.replace(/\r?\n/g, ' '))
      .replace(/&/g, '&amp;')
      .replace(/[\\`*_{}[\]()#+!|~]/g, (char) => `\\${char}`)
      // Entities, not backslashes: the raw text then holds no "<" at all, wherever it is pasted.
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      // A zero-width space survives entity decoding, so it breaks a mention or an autolink whichever
      // order the renderer decodes and links in (an entity such as &#64; is decoded back to "@" first).
      .replace(/@(?=[\w-])/g, '@&#8203;')
      .replace(/:\/\//g, ':&#8203;//')
      .replace(/\bwww\./gi, (match) => `${match.slice(0, 3)}&#8203;.`)
  );
}

export function maskKeyId(id: string | null, mask: boolean): string {
  if (id === null) return '—';
  return mask && id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : id;
}

const VERDICT_ICON: Record<Finding['verdict'], string> = {
  'root-key': '🔴 root-key',
  compromised: '🔴 compromised',
  overdue: '🔴 overdue',
  expiring: '🟠 expiring',
  superseded: '🟡 superseded',
  unused: '🟡 unused',
  stale: '🟡 stale',
  exempt: '⚪ exempt',
  compliant: '🟢 compliant',
};

export function summaryTable(report: AuditReport): string {
  const s = report.summary;
  return [
    `| users | keys | ${SUMMARY_ORDER.join(' | ')} |`,
    `|---:|---:|${SUMMARY_ORDER.map(() => '---:|').join('')}`,
    `| ${s.users} | ${s.keys} | ${SUMMARY_ORDER.map((verdict) => s[verdict]).join(' | ')} |`,
  ].join('\n');
}

export function findingsTable(
  findings: readonly Finding[],
  options: { maskKeyIds?: boolean; limit?: number } = {},
): string {
  const shown = options.limit === undefined ? findings : findings.slice(0, options.limit);
  const rows = shown.map(
    (f) =>
      `| ${VERDICT_ICON[f.verdict]} | ${escapeMarkdown(f.user)} | ${f.keySlot} | ${escapeMarkdown(maskKeyId(f.accessKeyId, options.maskKeyIds ?? false))} | ${f.status} | ${f.ageDays} | ${f.lastUsedAt ? f.lastUsedAt.toISOString().slice(0, 10) : 'never'} | ${escapeMarkdown(f.reason)} |`,
  );
  const more = findings.length > shown.length ? `\n\n…and ${findings.length - shown.length} more.` : '';
  return (
    [
      '| verdict | user | slot | key | status | age (days) | last used | reason |',
      '|---|---|---:|---|---|---:|---|---|',
      ...rows,
    ].join('\n') + more
  );
}

/** What an incomplete audit could not read, one bullet each; past `limit`, one line counting the rest. */
export function gapList(gaps: readonly Gap[], limit = Number.POSITIVE_INFINITY): string[] {
  const shown = gaps.slice(0, limit).map((g) => `- ${escapeMarkdown(g.scope)}: ${escapeMarkdown(g.reason)}`);
  return gaps.length > limit ? [...shown, `- …and ${gaps.length - limit} more (see the JSON report)`] : shown;
}

/** When, from where and under which policy an audit was made: the line under every audit heading. */
export function scopeLine(report: AuditReport): string {
  const p = report.policy;
  return `As of ${report.asOf.toISOString()} · source: ${report.source} · limit ${p.maxKeyAgeDays} days, warning ${p.warnDays} days before, unused after ${p.unusedKeyDays} days.`;
}

export function renderMarkdown(report: AuditReport, options: { maskKeyIds?: boolean } = {}): string {
  if (report.accounts) return renderAccountsMarkdown(report, report.accounts, options);
  const lines = [
    `# keywarden audit — account ${report.account}`,
    '',
    scopeLine(report),
    '',
    summaryTable(report),
    '',
  ];
  if (report.gaps.length > 0) {
    lines.push('## ⚠️ Audit incomplete', '', ...gapList(report.gaps), '');
  }
  lines.push(
    '## Findings',
    '',
    report.findings.length ? findingsTable(report.findings, options) : 'No access keys.',
    '',
  );
  return lines.join('\n');
}

/** One row per account (its summary and whether it was read completely), then the total. */
export function accountsTable(report: AuditReport, accounts: readonly AccountResult[]): string {
  const row = (label: string, s: AuditReport['summary'], complete: string) =>
    `| ${label} | ${complete} | ${s.users} | ${s.keys} | ${s.violations} | ${s.warnings} | ${s.overdue} | ${s.expiring} | ${s.unused} | ${s.stale} | ${s.exempt} | ${s.compliant} |`;
  return [
    '| account | complete | users | keys | violations | warnings | overdue | expiring | unused | stale | exempt | compliant |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...accounts.map((a) =>
      row(
        `${a.account}${a.name ? ` (${escapeMarkdown(a.name)})` : ''}`,
        a.summary,
        a.complete ? 'yes' : `**no** (${a.gaps.length} gap${a.gaps.length === 1 ? '' : 's'})`,
      ),
    ),
    row(
      `**total (${accounts.length} accounts)**`,
      report.summary,
      accounts.every((a) => a.complete) ? 'yes' : '**no**',
    ),
  ].join('\n');
}

function renderAccountsMarkdown(
  report: AuditReport,
  accounts: readonly AccountResult[],
  options: { maskKeyIds?: boolean },
): string {
  const lines = [
    `# keywarden audit — ${accounts.length} account${accounts.length === 1 ? '' : 's'}`,
    '',
    scopeLine(report),
    '',
    accountsTable(report, accounts),
    '',
  ];
  if (report.gaps.length > 0) lines.push('## ⚠️ Audit incomplete', '', ...gapList(report.gaps), '');
  const byAccount = groupByAccount(report.findings);
  for (const account of accounts) {
    const s = account.summary;
    const found = byAccount.get(account.account) ?? [];
    lines.push(
      `## Account ${account.account}${account.name ? ` (${escapeMarkdown(account.name)})` : ''}`,
      '',
      `${s.users} users · ${s.keys} keys · ${s.violations} violation${s.violations === 1 ? '' : 's'} · ${s.warnings} warning${s.warnings === 1 ? '' : 's'}${account.complete ? '' : ' · **incomplete**'}`,
      '',
      found.length ? findingsTable(found, options) : 'No access keys.',
      '',
    );
  }
  return lines.join('\n');
}
