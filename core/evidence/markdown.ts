import { controlsLabeller, frameworkLegend } from '../policy/controls/index.js';
import { SUMMARY_ORDER, type Summary, verdictCounts } from '../policy/evaluate.js';
import type { Finding } from '../policy/verdicts.js';
import { escapeMarkdown as md } from '../report/markdown.js';
import { visible } from '../text.js';
import { axisDays, chartRows } from './chart.js';
import { rotationConsumersMarkdown } from './consumers.js';
import {
  type AccountEvidence,
  brokenAccountTrails,
  type EvidenceModel,
  type EvidenceTrailRecord,
  isoDay,
  type RegulationRow,
  trailCheckText,
} from './model.js';

const LEVEL_MARK = {
  critical: '🔴 **Critical:**',
  warning: '🟠 **Attention:**',
  info: '🟢 **OK:**',
} as const;
const BAR_WIDTH = 40;

/** The Markdown twin of the HTML evidence: the same sections and facts, for a wiki, a PR or a diff. */
export function renderEvidenceMarkdown(model: EvidenceModel): string {
  const p = model.policy;
  const s = model.summary;
  const { accounts } = model;
  const lines: string[] = [
    `# Access key rotation evidence — ${accounts ? accountCount(accounts.length) : `account ${md(model.account)}`}`,
    '',
    `Generated ${model.generatedAt.toISOString()} by ${md(model.tool.name)} ${md(model.tool.version)}.`,
    '',
    ...brokenTrailBanner(model),
    '## Status',
    '',
    ...model.attention.map((item) => `- ${LEVEL_MARK[item.level]} ${md(item.text)}`),
    '',
    '## Scope',
    '',
    '| | |',
    '|---|---|',
    accounts
      ? `| AWS accounts | ${accountCount(accounts.length)}, one section each (see Accounts) |`
      : `| AWS account | ${md(model.account)} |`,
    `| Keys evaluated | every access key of every IAM user${accounts ? ' of every account' : ''}: ${s.users} users, ${s.keys} keys |`,
    `| Key data | ${md(model.sourceLabel)} |`,
    `| Evaluated as of | ${model.asOf.toISOString()} |`,
    `| Trail period | ${model.period.from.toISOString()} to ${model.period.to.toISOString()} |`,
    `| Generated | ${model.generatedAt.toISOString()} |`,
    `| Tool | ${md(model.tool.name)} ${md(model.tool.version)} |`,
    `| Config | ${model.config.origin ? `${md(model.config.origin)}, SHA-256 \`${model.config.sha256}\`` : 'no config file: the built-in defaults applied'} |`,
    '',
    '## Policy and exemptions',
    '',
    `- An active key older than **${p.maxKeyAgeDays} days** is overdue (a violation); within ${p.warnDays} days of that it is expiring.`,
    `- An active key not used for ${p.unusedKeyDays} days (or never used and older) is unused; an active key replaced more than ${p.rotation.deactivateAfterDays} days ago by a newer active key is superseded; an inactive key older than ${p.maxKeyAgeDays} days is stale (to be deleted). Any root account access key is a violation (root-key).`,
    `- Automated rotation creates the replacement at ${p.rotation.rotateAtDays} days, deactivates the old key ${p.rotation.deactivateAfterDays} days later and deletes it ${p.rotation.deleteAfterDays} days after that${p.rotation.enforce ? ', even if still in use (after notice)' : '; it never deactivates a key still in use'}. It manages users tagged ${md(`${p.scope.tagKey}=${p.scope.tagValue}`)}.`,
    '',
    '### Exemptions',
    '',
  ];
  if (model.exemptions.length === 0) {
    lines.push('No exemptions.', '');
  } else {
    lines.push(
      '| user | account | reason | approved by | valid through | state |',
      '|---|---|---|---|---|---|',
      ...model.exemptions.map(
        (e) =>
          `| ${md(e.user)} | ${md(e.account ?? 'every account')} | ${md(e.reason)} | ${md(e.approvedBy)} | ${e.expiresOn} | ${e.expired ? '**EXPIRED**' : 'in force'} |`,
      ),
      '',
    );
  }
  if (accounts) {
    lines.push(...accountsOverview(accounts), ...notesLines(model.notes));
    for (const entry of accounts) lines.push(...accountSection(model, entry));
  } else {
    lines.push(
      '## Key ages and verdicts',
      '',
      ...keyLines(model, model.findings, s),
      ...notesLines(model.notes),
    );
  }

  const { check, events, otherAccountEvents } = model.trail;
  lines.push(
    accounts ? '## Audit trail' : '## Audit trail: rotation events',
    '',
    `Trail: ${md(model.trail.location)}. Period ${model.period.from.toISOString()} to ${model.period.to.toISOString()}.`,
    '',
    check.intact
      ? `> **Trail verification:** ${md(trailCheckText(check))}`
      : `> 🔴 **TRAIL VERIFICATION FAILED.** ${md(trailCheckText(check))}`,
    '',
  );
  if (accounts?.some((entry) => entry.trail)) {
    lines.push(
      "This trail holds the pack's digest; each account's own trail, its verification and its records are in the account's section.",
      '',
    );
  } else if (accounts) {
    lines.push(
      `${events.length} record(s) of the ${accountCount(accounts.length)} in the period; each account's are in its section.`,
      '',
    );
  } else {
    lines.push(...eventLines(events, model.account));
  }
  if (otherAccountEvents > 0) {
    lines.push(`${otherAccountEvents} record(s) of other accounts in the period are not shown.`, '');
  }
  lines.push(...rotationConsumersMarkdown(model.rotationConsumers));
  lines.push(
    ...regulationLines('21 CFR Part 11 mapping', model.part11),
    ...regulationLines('EU GMP Annex 11 mapping', model.annex11),
    '---',
    '',
    'The SHA-256 of this file and of the pack are in `manifest.json` and `SHA256SUMS` beside it; the pack digest is also a record in the audit trail (action `evidence.generated`).',
    '',
  );
  return lines.join('\n');
}

function accountCount(count: number): string {
  return `${count} account${count === 1 ? '' : 's'}`;
}

function notesLines(notes: readonly string[]): string[] {
  return notes.length > 0 ? [...notes.map((note) => `- Note: ${md(note)}`), ''] : [];
}

/** A pack over several accounts: one row per account, then a section each. */
function accountsOverview(accounts: readonly AccountEvidence[]): string[] {
  return [
    '## Accounts',
    '',
    `| account | name | users | keys | ${SUMMARY_ORDER.join(' | ')} | trail records |`,
    `|---|---|---:|---:|${SUMMARY_ORDER.map(() => '---:|').join('')}---:|`,
    ...accounts.map(
      (entry) =>
        `| ${md(entry.account)} | ${md(entry.name ?? '—')} | ${entry.summary.users} | ${entry.summary.keys} | ${SUMMARY_ORDER.map((verdict) => entry.summary[verdict]).join(' | ')} | ${entry.events.length} |`,
    ),
    '',
  ];
}

function accountSection(model: EvidenceModel, entry: AccountEvidence): string[] {
  return [
    `## Account ${md(entry.account)}${entry.name ? ` — ${md(entry.name)}` : ''}`,
    '',
    `${entry.summary.users} users, ${entry.summary.keys} keys.`,
    '',
    ...keyLines(model, entry.findings, entry.summary),
    `### Rotation events of account ${md(entry.account)}`,
    '',
    ...(entry.trail ? ownTrailCheck(entry.trail) : []),
    ...eventLines(entry.events, entry.account),
  ];
}

/** The verdict counts, the age bars and the key table of one account (or of the one account's pack). */
function keyLines(model: EvidenceModel, findings: readonly Finding[], summary: Summary): string[] {
  const lines = [verdictCounts(summary, ' · '), '', ...ageBars(findings, model.policy), ''];
  if (findings.length === 0) return [...lines, 'No access keys.', ''];
  const allControls = findings.flatMap((f) => f.controls);
  const controlsOf = controlsLabeller(allControls);
  return [
    ...lines,
    '| user | key | access key ID | status | created | last used | age (days) | verdict | reason | controls |',
    '|---|---:|---|---|---|---|---:|---|---|---|',
    ...findings.map(
      (f) =>
        `| ${md(f.user)} | ${f.keySlot} | ${f.accessKeyId ? md(f.accessKeyId) : '—'} | ${f.status} | ${isoDay(f.createdAt)} | ${isoDay(f.lastUsedAt)} | ${f.ageDays} | ${f.verdict} | ${md(f.reason)} | ${md(controlsOf(f.controls))} |`,
    ),
    '',
    `Controls: ${md(frameworkLegend(allControls))}.`,
    '',
  ];
}

/** An account's own trail: where it is, whether it verifies, and what of it belongs to other accounts. */
function ownTrailCheck(trail: NonNullable<AccountEvidence['trail']>): string[] {
  const others = trail.otherAccountEvents
    ? ` ${trail.otherAccountEvents} record(s) of other accounts in the period are not shown.`
    : '';
  return [
    `Trail: ${md(trail.location)}.${others}`,
    '',
    trail.check.intact
      ? `> **Trail verification:** ${md(trailCheckText(trail.check))}`
      : `> 🔴 **TRAIL VERIFICATION FAILED.** ${md(trailCheckText(trail.check))}`,
    '',
  ];
}

function eventLines(events: readonly EvidenceTrailRecord[], account: string): string[] {
  if (events.length === 0) return [`_No rotation records for account ${md(account)} in the period._`, ''];
  return [
    '| seq | time (UTC) | actor | action | user | access key ID | outcome | reason |',
    '|---:|---|---|---|---|---|---|---|',
    ...events.map(
      (r) =>
        `| ${r.seq} | ${md(r.at)} | ${md(r.actor)} | ${md(r.action)} | ${md(r.user ?? '—')} | ${r.accessKeyId ? md(r.accessKeyId) : '—'} | ${md(r.outcome)} | ${md(r.reason ?? '')} |`,
    ),
    '',
  ];
}

function brokenTrailBanner(model: EvidenceModel): string[] {
  const { check } = model.trail;
  const lines = check.intact
    ? []
    : [
        `> 🔴 **AUDIT TRAIL BROKEN at seq ${check.firstBadSeq}:** ${md(check.problem)}. This trail cannot be relied on from that record on.`,
        '',
      ];
  for (const own of brokenAccountTrails(model.accounts)) {
    lines.push(
      `> 🔴 **AUDIT TRAIL OF ACCOUNT ${md(own.account)} BROKEN at seq ${own.firstBadSeq}:** ${md(own.problem)}. That trail cannot be relied on from that record on.`,
      '',
    );
  }
  return lines;
}

/** The chart's text form: the same keys, one bar each, with the limit marked. */
function ageBars(findings: readonly Finding[], policy: EvidenceModel['policy']): string[] {
  const { rows, hidden } = chartRows(findings);
  if (rows.length === 0) return [];
  const { max } = axisDays(rows, policy.maxKeyAgeDays);
  const limitColumn = Math.round((policy.maxKeyAgeDays / max) * BAR_WIDTH);
  const labelWidth = Math.min(32, Math.max(...rows.map((row) => row.label.length)));
  const cell = (days: number) => Math.round((Math.min(days, max) / max) * BAR_WIDTH);
  const lines = rows.map((row) => {
    const filled = cell(row.ageDays);
    const bar = Array.from({ length: BAR_WIDTH + 1 }, (_, i) =>
      i === limitColumn ? '|' : i < filled ? '█' : ' ',
    ).join('');
    // A fenced block renders its text verbatim: only a backtick or a line break could end it early, and
    // a control or bidirectional character would still reach the reader raw.
    const text = visible(row.label).replace(/`/g, "'");
    const label = text.length > labelWidth ? `${text.slice(0, labelWidth - 1)}…` : text;
    return `${label.padEnd(labelWidth)} ${bar} ${row.ageDays}${row.ageDays > max ? ' ›' : ''} ${row.verdict}`;
  });
  return [
    `Key ages in days; \`|\` marks the ${policy.maxKeyAgeDays}-day limit${hidden > 0 ? ` (the ${rows.length} oldest keys; the table lists all)` : ''}:`,
    '',
    '```text',
    ...lines,
    '```',
  ];
}

/** A regulation's mapping as a section, as the HTML page's regulationSection shows it. */
function regulationLines(title: string, rows: readonly RegulationRow[]): string[] {
  return [
    `## ${title}`,
    '',
    '| clause | meaning | where keywarden serves it | record in this pack |',
    '|---|---|---|---|',
    // The mapping is keywarden's own text; its backticks mark commands and stay as code spans.
    ...rows.map((row) => `| ${row.clause} | ${row.meaning} | ${row.servedBy} | ${row.inThisPack} |`),
    '',
  ];
}
