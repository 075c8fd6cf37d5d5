/**
 * `keywarden check`'s report for people (table, Markdown for a job summary) and machines (JSON). Text read from
 * the checked files (addresses, tag keys) is shown through `visible` / `escapeMarkdown`: inert, whatever a file holds.
 */
import { escapeMarkdown } from '../report/markdown.js';
import { visible } from '../text.js';
import type { CheckReport, IacFinding } from './check.js';

const where = (finding: IacFinding) =>
  finding.line === undefined ? finding.file : `${finding.file}:${finding.line}`;

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** The closing line: what was read and what was found. */
export function checkSummaryLine(report: CheckReport): string {
  const { inputs, resources, mandatory, advisory } = report.summary;
  const found =
    mandatory + advisory === 0
      ? 'no findings'
      : `${plural(mandatory, 'mandatory violation')}, ${plural(advisory, 'advisory')}`.replace(
          'advisorys',
          'advisories',
        );
  return `${plural(inputs, 'input')} · ${plural(resources, 'resource')} · ${found} · as of ${report.asOf.toISOString()}`;
}

/** For a terminal: each finding as a heading line (level, policy, file:line, resource) and its message. */
export function renderCheckTable(report: CheckReport): string {
  const lines = report.findings.flatMap((finding) => [
    `${finding.level.padEnd(9)}  ${finding.policy}  ${visible(where(finding))}  ${visible(finding.address)}`,
    `  ${visible(finding.message)}`,
  ]);
  return `${[...lines, ...(lines.length > 0 ? [''] : []), checkSummaryLine(report)].join('\n')}\n`;
}

/** The JSON contract (schemaVersion 1): values exact, nothing escaped. */
export function renderCheckJson(report: CheckReport): string {
  return `${JSON.stringify({ ...report, asOf: report.asOf.toISOString() }, null, 2)}\n`;
}

/** For a GitHub job summary: a heading, the counts, one row per finding. */
export function renderCheckMarkdown(report: CheckReport): string {
  const rows = report.findings.map(
    (finding) =>
      `| ${finding.level} | \`${finding.policy}\` | ${escapeMarkdown(where(finding))} | ${escapeMarkdown(finding.address)} | ${escapeMarkdown(finding.message)} |`,
  );
  return [
    '## keywarden check',
    '',
    escapeMarkdown(checkSummaryLine(report)),
    '',
    ...(rows.length > 0
      ? ['| level | policy | file | resource | what to change |', '|---|---|---|---|---|', ...rows, '']
      : []),
  ].join('\n');
}
