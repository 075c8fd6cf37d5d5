import type { AuditReport } from '../core/audit/report.js';
import type { Finding } from '../core/policy/verdicts.js';
import {
  accountsTable,
  escapeMarkdown,
  findingsTable,
  gapList,
  scopeLine,
  summaryTable,
} from '../core/report/markdown.js';
import type { SyncOutcome } from './issues/apply.js';
import type { IssueAction } from './issues/plan.js';

/** Rows of the findings table in the job summary; the JSON report holds every finding. */
export const SUMMARY_FINDINGS_LIMIT = 50;
/** Bars in the age chart: the oldest active keys. */
export const CHART_KEYS = 20;

export interface SummaryInput {
  report: AuditReport;
  maskKeyIds: boolean;
  /** Why issues were or were not filed. */
  issueFiling: string;
  issues: SyncOutcome | null;
  /** Why the issue sync stopped, if it did. */
  issueError: string | null;
  reportPath: string;
}

export function renderJobSummary(input: SummaryInput): string {
  const { report } = input;
  const p = report.policy;
  const lines = [
    report.accounts
      ? `## keywarden: IAM access key audit of ${report.accounts.length} account${report.accounts.length === 1 ? '' : 's'}`
      : `## keywarden: IAM access key audit of account ${escapeMarkdown(report.account)}`,
    '',
    scopeLine(report),
    '',
    report.accounts ? accountsTable(report, report.accounts) : summaryTable(report),
    '',
  ];
  if (report.gaps.length > 0) {
    lines.push('### ⚠️ Audit incomplete: no issue was closed', '', ...gapList(report.gaps, 20), '');
  }
  const chart = ageChart(report.findings, p.maxKeyAgeDays);
  if (chart) lines.push('### Oldest active keys against the limit', '', chart, '');
  const flagged = report.findings.filter((f) => f.severity !== 'ok');
  lines.push(
    '### Findings, worst first',
    '',
    flagged.length
      ? findingsTable(flagged, { maskKeyIds: input.maskKeyIds, limit: SUMMARY_FINDINGS_LIMIT })
      : 'No key needs attention.',
    '',
    '### Issues',
    '',
    issuesSection(input),
    '',
    `The full report is in \`${escapeMarkdown(input.reportPath)}\` (output \`report-path\`).`,
    '',
  );
  return lines.join('\n');
}

/** A mermaid bar chart (GitHub renders xychart-beta) of the oldest active keys, with the limit as a line. */
export function ageChart(findings: readonly Finding[], maxKeyAgeDays: number): string | null {
  const active = findings
    .filter((f) => f.status === 'Active')
    .sort((a, b) => b.ageDays - a.ageDays)
    .slice(0, CHART_KEYS);
  if (active.length === 0) return null;
  const top = Math.max(maxKeyAgeDays, ...active.map((f) => f.ageDays));
  const label = (f: Finding) => `"${chartLabel(f.user)}${f.keySlot > 1 ? ` #${f.keySlot}` : ''}"`;
  return [
    '```mermaid',
    'xychart-beta',
    `  title "Key age in days; the line is the ${maxKeyAgeDays}-day limit"`,
    `  x-axis [${active.map(label).join(', ')}]`,
    `  y-axis "age (days)" 0 --> ${Math.ceil(top * 1.1)}`,
    `  bar [${active.map((f) => f.ageDays).join(', ')}]`,
    `  line [${active.map(() => maxKeyAgeDays).join(', ')}]`,
    '```',
  ].join('\n');
}

/** IAM user names are [\w+=,.@-]; anything else (or a quote) could break out of the chart's syntax. */
function chartLabel(user: string): string {
  const safe = user.replace(/[^\w+=,.@-]/g, '?');
  return safe.length > 24 ? `${safe.slice(0, 23)}…` : safe;
}

function issuesSection(input: SummaryInput): string {
  const outcome = input.issues;
  if (input.issueError)
    return `**The issue sync failed** (GitHub; the audit above stands): ${escapeMarkdown(input.issueError)}`;
  if (!outcome) return `Not filed: ${input.issueFiling}.`;
  const list = (numbers: number[]) => (numbers.length ? numbers.map((n) => `#${n}`).join(', ') : 'none');
  const lines = [
    `Filed because ${input.issueFiling}. ${outcome.writes} write${outcome.writes === 1 ? '' : 's'} to GitHub.`,
    '',
    `- opened: ${list(outcome.opened)}`,
    `- updated: ${list(outcome.updated)}`,
    `- reopened: ${list(outcome.reopened)}`,
    `- labelled: ${list(outcome.labelled)}`,
    `- closed: ${list(outcome.closed)}`,
    `- unchanged: ${outcome.unchanged}`,
  ];
  if (outcome.suppressed.length) {
    lines.push(
      `- closed as not planned, left closed: ${outcome.suppressed.map((i) => `#${i.number}`).join(', ')}`,
    );
  }
  if (outcome.ignored.length) {
    lines.push(
      `- **ignored, not opened by keywarden** (label and marker, but another author; they suppress, close or stand in for nothing): ${outcome.ignored.map((i) => `#${i.number} by ${escapeMarkdown(i.author || 'unknown')}${i.stateReason === 'not_planned' ? ' (closed as not planned)' : ''}`).join(', ')}`,
    );
  }
  if (outcome.untouched.length) {
    lines.push(
      `- left open (their account was not scanned completely in this run): ${outcome.untouched.map((i) => `#${i.number}`).join(', ')}`,
    );
  }
  if (outcome.deferred.length) {
    lines.push(
      '',
      `**The write cap (max-issue-writes) held back ${outcome.deferred.length} change${outcome.deferred.length === 1 ? '' : 's'}**; the next run continues:`,
      '',
      ...outcome.deferred.slice(0, 30).map((action) => `- ${describeDeferred(action)}`),
      ...(outcome.deferred.length > 30 ? [`- …and ${outcome.deferred.length - 30} more`] : []),
    );
  }
  return lines.join('\n');
}

function describeDeferred(action: IssueAction): string {
  switch (action.kind) {
    case 'create':
      return `open an issue for ${escapeMarkdown(action.issue.user)} (account ${escapeMarkdown(action.issue.account)})`;
    case 'update':
      return `update #${action.number}`;
    case 'reopen':
      return `reopen #${action.number}`;
    case 'label':
      return `add the label ${escapeMarkdown(action.labels.join(', '))} to #${action.number}`;
    case 'close':
      return `close #${action.number}${action.reason === 'duplicate' ? ' (duplicate)' : ''}`;
  }
}
