import { controlsLabeller, frameworkLegend } from '../policy/controls/index.js';
import { SUMMARY_ORDER, type Summary } from '../policy/evaluate.js';
import type { Finding } from '../policy/verdicts.js';
import { chartRows, keyAgeChartSvg } from './chart.js';
import { rotationConsumersHtml } from './consumers.js';
import { escapeHtml as esc } from './escape.js';
import {
  type AccountEvidence,
  brokenAccountTrails,
  type EvidenceModel,
  type EvidenceTrailRecord,
  isoDay,
  type RegulationRow,
  trailCheckText,
} from './model.js';

/**
 * The evidence as one self-contained HTML file: inline CSS and SVG, no scripts, no fonts, no images, and a
 * Content-Security-Policy that forbids every fetch, so that the file renders the same offline in ten years.
 */
export function renderEvidenceHtml(model: EvidenceModel): string {
  const { accounts } = model;
  const covered = accounts ? accountCount(accounts.length) : `account ${model.account}`;
  const title = `keywarden evidence — ${covered} — ${isoDay(model.generatedAt)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${esc(`${model.tool.name} ${model.tool.version}`)}">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Access key rotation evidence</h1>
<p class="sub">${accounts ? `AWS accounts: <strong>${accounts.length}</strong>` : `AWS account <strong>${esc(model.account)}</strong>`} · generated ${esc(model.generatedAt.toISOString())} by ${esc(model.tool.name)} ${esc(model.tool.version)}</p>
</header>
${brokenTrailBanner(model)}
<main>
${statusSection(model)}
${scopeSection(model)}
${policySection(model)}
${accounts ? accountsSections(model, accounts) : keysSection(model)}
${trailSection(model)}${model.rotationConsumers?.length ? `\n${rotationConsumersHtml(model.rotationConsumers)}` : ''}
${regulationSection('part11', '21 CFR Part 11 mapping', model.part11)}
${regulationSection('annex11', 'EU GMP Annex 11 mapping', model.annex11)}
</main>
<footer><p>The SHA-256 of this file and of the pack are in <code>manifest.json</code> and <code>SHA256SUMS</code> beside it; the pack digest is also a record in the audit trail (action <code>evidence.generated</code>).</p></footer>
</body>
</html>
`;
}

/** A broken trail is the first thing on the page, above everything else, in every copy of the pack. */
function brokenTrailBanner(model: EvidenceModel): string {
  const { check } = model.trail;
  const banners = check.intact
    ? []
    : [
        `<div class="banner-broken" role="alert">AUDIT TRAIL BROKEN at seq ${check.firstBadSeq}: ${esc(check.problem)}. This trail cannot be relied on from that record on.</div>`,
      ];
  for (const own of brokenAccountTrails(model.accounts)) {
    banners.push(
      `<div class="banner-broken" role="alert">AUDIT TRAIL OF ACCOUNT ${esc(own.account)} BROKEN at seq ${own.firstBadSeq}: ${esc(own.problem)}. That trail cannot be relied on from that record on.</div>`,
    );
  }
  return banners.join('\n');
}

function statusSection(model: EvidenceModel): string {
  const items = model.attention
    .map(
      (item) =>
        `<li class="attention ${item.level}"><strong>${LEVEL_LABEL[item.level]}</strong> ${esc(item.text)}</li>`,
    )
    .join('\n');
  return `<section id="status"><h2>Status</h2><ul class="attention-list">
${items}
</ul></section>`;
}

const LEVEL_LABEL = { critical: 'Critical:', warning: 'Attention:', info: 'OK:' } as const;

function scopeSection(model: EvidenceModel): string {
  const s = model.summary;
  const rows: [string, string][] = [
    model.accounts
      ? ['AWS accounts', `${accountCount(model.accounts.length)}, one section each (see Accounts)`]
      : ['AWS account', esc(model.account)],
    [
      'Keys evaluated',
      `every access key of every IAM user${model.accounts ? ' of every account' : ''}: ${s.users} users, ${s.keys} keys`,
    ],
    ['Key data', esc(model.sourceLabel)],
    ['Evaluated as of', esc(model.asOf.toISOString())],
    ['Trail period', `${esc(model.period.from.toISOString())} to ${esc(model.period.to.toISOString())}`],
    ['Generated', esc(model.generatedAt.toISOString())],
    ['Tool', `${esc(model.tool.name)} ${esc(model.tool.version)}`],
    [
      'Config',
      model.config.origin
        ? `<code>${esc(model.config.origin)}</code>, SHA-256 <code class="digest">${esc(model.config.sha256 ?? '')}</code>`
        : 'no config file: the built-in defaults applied',
    ],
  ];
  return `<section id="scope"><h2>Scope</h2><dl>
${rows.map(([term, value]) => `<dt>${term}</dt><dd>${value}</dd>`).join('\n')}
</dl></section>`;
}

function policySection(model: EvidenceModel): string {
  const p = model.policy;
  const exemptions = model.exemptions.length
    ? table(
        ['user', 'account', 'reason', 'approved by', 'valid through', 'state'],
        model.exemptions.map((exemption) => [
          esc(exemption.user),
          esc(exemption.account ?? 'every account'),
          esc(exemption.reason),
          esc(exemption.approvedBy),
          esc(exemption.expiresOn),
          exemption.expired ? '<span class="badge overdue">EXPIRED</span>' : 'in force',
        ]),
      )
    : '<p>No exemptions.</p>';
  return `<section id="policy"><h2>Policy and exemptions</h2>
<ul>
<li>An active key older than <strong>${p.maxKeyAgeDays} days</strong> is overdue (a violation); within ${p.warnDays} days of that it is expiring.</li>
<li>An active key not used for ${p.unusedKeyDays} days (or never used and older) is unused; an active key replaced more than ${p.rotation.deactivateAfterDays} days ago by a newer active key is superseded; an inactive key older than ${p.maxKeyAgeDays} days is stale (to be deleted). Any root account access key is a violation (root-key).</li>
<li>Automated rotation creates the replacement at ${p.rotation.rotateAtDays} days, deactivates the old key ${p.rotation.deactivateAfterDays} days later and deletes it ${p.rotation.deleteAfterDays} days after that${p.rotation.enforce ? ', even if still in use (after notice)' : '; it never deactivates a key still in use'}. It manages users tagged <code>${esc(p.scope.tagKey)}=${esc(p.scope.tagValue)}</code>.</li>
</ul>
<h3>Exemptions</h3>
${exemptions}
</section>`;
}

function keysSection(model: EvidenceModel): string {
  return `<section id="keys"><h2>Key ages and verdicts</h2>
${keysBody(model, model.findings, model.summary, 'chart-title')}
${notesList(model.notes)}
</section>`;
}

function accountCount(count: number): string {
  return `${count} account${count === 1 ? '' : 's'}`;
}

function notesList(notes: readonly string[]): string {
  return notes.length
    ? `<ul class="notes">${notes.map((note) => `<li>${esc(note)}</li>`).join('')}</ul>`
    : '';
}

/** A pack over several accounts: an overview row per account, then a section each (plain IDs: the file links nothing). */
function accountsSections(model: EvidenceModel, accounts: readonly AccountEvidence[]): string {
  const overview = table(
    ['account', 'name', 'users', 'keys', ...SUMMARY_ORDER, 'trail records'],
    accounts.map((entry) => [
      esc(entry.account),
      esc(entry.name ?? '—'),
      String(entry.summary.users),
      String(entry.summary.keys),
      ...SUMMARY_ORDER.map((verdict) => String(entry.summary[verdict])),
      String(entry.events.length),
    ]),
    ['nowrap', '', 'num', 'num', ...SUMMARY_ORDER.map(() => 'num'), 'num'],
  );
  const sections = accounts.map(
    (
      entry,
    ) => `<section id="account-${esc(entry.account)}" class="account"><h2>Account ${esc(entry.account)}${entry.name ? ` — ${esc(entry.name)}` : ''}</h2>
<p>${entry.summary.users} users, ${entry.summary.keys} keys.</p>
${keysBody(model, entry.findings, entry.summary, `chart-title-${entry.account}`)}
<h3>Rotation events of account ${esc(entry.account)}</h3>
${entry.trail ? `${ownTrailCheck(entry.trail)}\n` : ''}${eventsTable(entry.events, entry.account)}
</section>`,
  );
  return `<section id="accounts"><h2>Accounts</h2>
${overview}
${notesList(model.notes)}
</section>
${sections.join('\n')}`;
}

/** The verdict counts, the chart and the key table of one account (or of the one account's pack). */
function keysBody(
  model: EvidenceModel,
  findings: readonly Finding[],
  s: Summary,
  chartTitleId: string,
): string {
  const { hidden } = chartRows(findings);
  const allControls = findings.flatMap((f) => f.controls);
  const controlsOf = controlsLabeller(allControls);
  const counts = `<p class="counts">${SUMMARY_ORDER.map((verdict) => [verdict, s[verdict]])
    .map(([verdict, count]) => `<span class="badge ${verdict}">${verdict} ${count}</span>`)
    .join(' ')}</p>`;
  const keys = findings.length
    ? table(
        [
          'user',
          'key',
          'access key ID',
          'status',
          'created',
          'last used',
          'age (days)',
          'verdict',
          'reason',
          'controls',
        ],
        findings.map((f) => [
          esc(f.user),
          String(f.keySlot),
          f.accessKeyId ? `<code>${esc(f.accessKeyId)}</code>` : '—',
          f.status,
          isoDay(f.createdAt),
          isoDay(f.lastUsedAt),
          String(f.ageDays),
          `<span class="badge ${f.verdict}">${f.verdict}</span>`,
          esc(f.reason),
          esc(controlsOf(f.controls)),
        ]),
        ['', 'num', 'nowrap', 'nowrap', 'nowrap', 'nowrap', 'num', 'nowrap', '', ''],
      ) + `\n<p class="legend">Controls: ${esc(frameworkLegend(allControls))}.</p>`
    : '<p>No access keys.</p>';
  return `${counts}
<figure>${keyAgeChartSvg(findings, model.policy, chartTitleId)}
<figcaption>Age of each access key in days; the red line is the ${model.policy.maxKeyAgeDays}-day limit, the dashed line the start of the warning window.${hidden > 0 ? ` The ${hidden} youngest keys are not drawn; the table lists every key.` : ''}</figcaption></figure>
${keys}`;
}

function trailSection(model: EvidenceModel): string {
  const { check, events, otherAccountEvents } = model.trail;
  const { accounts } = model;
  const verdict = `<div class="trail-check ${check.intact ? 'intact' : 'broken'}" role="status"><strong>Trail verification:</strong> ${esc(trailCheckText(check))}</div>`;
  const records = !accounts
    ? eventsTable(events, model.account)
    : accounts.some((entry) => entry.trail)
      ? `<p>This trail holds the pack's digest; each account's own trail, its verification and its records are in the account's section.</p>`
      : `<p>${events.length} record${events.length === 1 ? '' : 's'} of the ${accountCount(accounts.length)} in the period; each account's are in its section.</p>`;
  const others = otherAccountEvents
    ? `<p>${otherAccountEvents} record${otherAccountEvents === 1 ? '' : 's'} of other accounts in the period ${otherAccountEvents === 1 ? 'is' : 'are'} not shown.</p>`
    : '';
  return `<section id="trail"><h2>${accounts ? 'Audit trail' : 'Audit trail: rotation events'}</h2>
<p>Trail: <code>${esc(model.trail.location)}</code>. Period ${esc(model.period.from.toISOString())} to ${esc(model.period.to.toISOString())}.</p>
${verdict}
${records}
${others}
</section>`;
}

/** An account's own trail: where it is, whether it verifies, and what of it belongs to other accounts. */
function ownTrailCheck(trail: NonNullable<AccountEvidence['trail']>): string {
  const others = trail.otherAccountEvents
    ? ` ${trail.otherAccountEvents} record${trail.otherAccountEvents === 1 ? '' : 's'} of other accounts in the period ${trail.otherAccountEvents === 1 ? 'is' : 'are'} not shown.`
    : '';
  return `<p>Trail: <code>${esc(trail.location)}</code>.${others}</p>
<div class="trail-check ${trail.check.intact ? 'intact' : 'broken'}" role="status"><strong>Trail verification:</strong> ${esc(trailCheckText(trail.check))}</div>`;
}

function eventsTable(events: readonly EvidenceTrailRecord[], account: string): string {
  return events.length
    ? table(
        ['seq', 'time (UTC)', 'actor', 'action', 'user', 'access key ID', 'outcome', 'reason'],
        events.map((record) => [
          String(record.seq),
          esc(record.at),
          esc(record.actor),
          esc(record.action),
          esc(record.user ?? '—'),
          record.accessKeyId ? `<code>${esc(record.accessKeyId)}</code>` : '—',
          record.outcome === 'success'
            ? esc(record.outcome)
            : `<strong class="outcome-other">${esc(record.outcome)}</strong>`,
          esc(record.reason ?? ''),
        ]),
        ['num', 'nowrap', '', 'nowrap', '', 'nowrap', 'nowrap', ''],
      )
    : `<p class="empty">No rotation records for account ${esc(account)} in the period.</p>`;
}

function regulationSection(id: string, title: string, rows: readonly RegulationRow[]): string {
  return `<section id="${id}"><h2>${title}</h2>
${table(
  ['clause', 'meaning', 'where keywarden serves it', 'record in this pack'],
  rows.map((row) => [esc(row.clause), esc(row.meaning), codeSpans(row.servedBy), esc(row.inThisPack)]),
)}
</section>`;
}

/** Trusted mapping text marks commands with backticks; shown as code, everything else escaped. */
function codeSpans(text: string): string {
  return text
    .split('`')
    .map((part, index) => (index % 2 === 1 ? `<code>${esc(part)}</code>` : esc(part)))
    .join('');
}

/** Cells are already-escaped HTML. */
function table(headers: string[], rows: string[][], classes: string[] = []): string {
  const cls = (index: number) => (classes[index] ? ` class="${classes[index]}"` : '');
  return `<table>
<thead><tr>${headers.map((header, index) => `<th${cls(index)}>${esc(header)}</th>`).join('')}</tr></thead>
<tbody>
${rows.map((row) => `<tr>${row.map((cell, index) => `<td${cls(index)}>${cell}</td>`).join('')}</tr>`).join('\n')}
</tbody>
</table>`;
}

const STYLE = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #212121; margin: 0 auto; max-width: 1100px; padding: 24px; line-height: 1.45; }
h1 { margin: 0 0 4px; font-size: 26px; }
h2 { margin-top: 32px; border-bottom: 2px solid #e0e0e0; padding-bottom: 4px; font-size: 20px; }
h3 { font-size: 16px; }
.sub { margin: 0; color: #424242; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 0.92em; }
.digest { word-break: break-all; }
dl { display: grid; grid-template-columns: 180px 1fr; gap: 4px 16px; margin: 0; }
dt { font-weight: 600; }
dd { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0; }
th, td { border: 1px solid #e0e0e0; padding: 4px 6px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
.nowrap { white-space: nowrap; }
th { background: #f5f5f5; }
.num { text-align: right; white-space: nowrap; }
.banner-broken { background: #b71c1c; color: #fff; font-size: 20px; font-weight: 700; padding: 16px 18px; margin: 16px 0; border-radius: 4px; }
.attention-list { list-style: none; padding: 0; }
.attention { padding: 10px 14px; margin: 6px 0; border-radius: 4px; border-left: 6px solid; }
.attention.critical { background: #ffebee; border-color: #b71c1c; }
.attention.warning { background: #fff8e1; border-color: #e65100; }
.attention.info { background: #e8f5e9; border-color: #2e7d32; }
.trail-check { padding: 12px 14px; border-radius: 4px; margin: 8px 0; font-size: 15px; }
.trail-check.intact { background: #e8f5e9; border: 2px solid #2e7d32; }
.trail-check.broken { background: #b71c1c; color: #fff; border: 2px solid #7f0000; font-size: 18px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; color: #fff; white-space: nowrap; }
.badge.overdue, .badge.root-key { background: #b71c1c; }
.badge.expiring { background: #e65100; }
.badge.unused, .badge.stale, .badge.superseded { background: #9e7c00; }
.badge.exempt { background: #616161; }
.badge.compliant { background: #2e7d32; }
figure { margin: 12px 0; overflow-x: auto; }
figcaption { font-size: 13px; color: #424242; }
.empty { font-style: italic; }
.outcome-other { color: #b71c1c; }
footer { margin-top: 32px; font-size: 13px; color: #424242; border-top: 1px solid #e0e0e0; }
@media print { body { max-width: none; padding: 0; } section { break-inside: auto; } tr { break-inside: avoid; } }
`;
