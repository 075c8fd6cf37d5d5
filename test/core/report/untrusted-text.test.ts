import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { desiredIssues } from '../../../action/issues/render.js';
import { renderJobSummary } from '../../../action/summary.js';
import { escapeHtml } from '../../../core/evidence/escape.js';
import { renderEvidenceHtml } from '../../../core/evidence/html.js';
import { renderEvidenceMarkdown } from '../../../core/evidence/markdown.js';
import { buildEvidence } from '../../../core/evidence/model.js';
import { parseCredentialReport } from '../../../core/inventory/credential-report.js';
import { toJsonReport } from '../../../core/report/json.js';
import { findingsTable, renderMarkdown } from '../../../core/report/markdown.js';
import { renderTable } from '../../../core/report/table.js';
import { fixtureEvidenceInput } from '../../support/evidence-fixture.js';
import { AS_OF, auditReport, createdDaysAgo, keyRecord } from '../../support/records.js';

/** What moves a terminal's cursor, ends a line or reorders text: C0 (line feed aside), DEL, C1, bidi. */
const CURSOR_MOVING =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** The same, line feed included: nothing inside one cell or one line may hold any of it. */
const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Hostile pieces, mixed with plain ones, so that a run tries them in many combinations. */
const hostileText = fc.string({
  unit: fc.constantFrom(
    '\u001b',
    '[2K',
    '\r',
    '\n',
    '\r\n',
    '\t',
    '\u007f',
    '\u009b',
    '\u0085',
    '\u202a',
    '\u202e',
    '\u2066',
    '\u2069',
    '\u200e',
    '\u200f',
    '\u061c',
    '\u2028',
    '|',
    '\\',
    '`',
    '```',
    '<',
    '>',
    '&',
    '&amp;',
    '"',
    "'",
    '</td>',
    '<script>',
    'a',
    ' ',
    '日本',
    '🔑',
  ),
  maxLength: 30,
});
/** Any string at all: every code point, lone surrogates included. */
const anyText = fc.oneof(fc.string({ unit: 'binary' }), hostileText);

/** Pipes that split a GFM table row: those not escaped by an odd run of backslashes. */
function cellSeparators(row: string): number {
  let count = 0;
  for (let index = 0; index < row.length; index++) {
    if (row[index] !== '|') continue;
    let backslashes = 0;
    while (row[index - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) count++;
  }
  return count;
}

/** The Markdown line ends CommonMark knows: LF, CR. */
const markdownLines = (text: string) => text.split(/\r\n|\r|\n/);

function reportWithName(name: string, reason = 'reason') {
  const report = auditReport([
    keyRecord({ user: name, createdAt: createdDaysAgo(200) }),
    keyRecord({ user: 'bob', createdAt: createdDaysAgo(3) }),
  ]);
  for (const finding of report.findings) if (finding.user === name) finding.reason = reason;
  return report;
}

/** A credential report crafted as an attacker would write one (quoted cells may hold anything). */
function craftedReport(name: string): string {
  const header =
    'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
  const quoted = `"${name.replace(/"/g, '""')}"`;
  return `${header}\n${quoted},arn:aws:iam::123456789012:user/x,2024-01-02T03:04:05+00:00,false,N/A,N/A,N/A,false,true,2026-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n`;
}

function reportFrom(csv: string) {
  const base = auditReport(parseCredentialReport(csv).keys);
  return base;
}

describe('the terminal table with untrusted names', () => {
  it('shows an escape sequence, a lone CR and U+202E from a crafted report escaped, not raw', () => {
    // Prepare: a name that clears its line, returns to column 0 and reverses what follows.
    const report = reportFrom(craftedReport('mallory\u001b[2K\rroot\u202eexe.txt'));

    // Act
    const table = renderTable(report);

    // Assess
    expect(table).not.toMatch(CURSOR_MOVING);
    expect(table).toContain('mallory\\x1b[2K\\rroot\\u202eexe.txt');
  });

  it('never holds a byte that moves the cursor, and keeps one line per finding, whatever the name', () => {
    fc.assert(
      fc.property(anyText, anyText, (name, reason) => {
        const report = reportWithName(name, reason);
        const expectedLines = renderTable(reportWithName('plain', 'reason')).split('\n').length;

        const table = renderTable(report);

        expect(table).not.toMatch(CURSOR_MOVING);
        expect(table.split('\n')).toHaveLength(expectedLines);
      }),
    );
  });

  it('adds only its own colour codes when colour is on', () => {
    fc.assert(
      fc.property(anyText, (name) => {
        const table = renderTable(reportWithName(name), { colour: true });

        expect(table.replace(/\u001b\[(?:0|31|32|33)m/g, '')).not.toMatch(CURSOR_MOVING);
      }),
    );
  });
});

describe('Markdown with untrusted names', () => {
  it('keeps a name with a lone CR and a pipe on its table row', () => {
    // Prepare: CommonMark ends a line at a lone CR; the row would split there.
    const report = reportFrom(craftedReport('eve\r| 🟢 compliant | admin |'));

    // Act
    const table = findingsTable(report.findings);

    // Assess
    const lines = markdownLines(table);
    expect(lines).toHaveLength(3);
    expect(cellSeparators(lines[2] as string)).toBe(9);
    expect(table).toContain('eve\\\\r\\| 🟢 compliant \\| admin \\|');
  });

  it('never lets a cell leave its cell, whatever the name and reason', () => {
    fc.assert(
      fc.property(anyText, anyText, (name, reason) => {
        const report = reportWithName(name, reason);

        const lines = markdownLines(findingsTable(report.findings));

        expect(lines).toHaveLength(4);
        for (const row of lines.slice(2)) {
          expect(cellSeparators(row)).toBe(9);
          expect(row).not.toMatch(LINE_BREAKING);
          expect(row).not.toMatch(/<|>/);
        }
      }),
    );
  });

  it('keeps the whole audit report and the job summary to their lines, whatever the name', () => {
    const plainReport = renderMarkdown(reportWithName('plain'));
    const plainSummary = renderJobSummary(summaryInput(reportWithName('plain')));
    fc.assert(
      fc.property(anyText, (name) => {
        const report = reportWithName(name);

        const markdown = renderMarkdown(report);
        const summary = renderJobSummary(summaryInput(report));

        expect(markdownLines(markdown)).toHaveLength(markdownLines(plainReport).length);
        expect(markdownLines(summary)).toHaveLength(markdownLines(plainSummary).length);
        expect(markdown).not.toMatch(CURSOR_MOVING);
        expect(summary).not.toMatch(CURSOR_MOVING);
      }),
    );
  });

  it('keeps an issue body to its lines and its fix-it commands to one shell word, whatever the name', () => {
    const issueOf = (name: string) =>
      desiredIssues(reportWithName(name).findings, {
        policy: { maxKeyAgeDays: 90, warnDays: 14, unusedKeyDays: 45 },
        asOf: AS_OF,
        maskKeyIds: false,
        users: [],
      })[0];
    const plain = issueOf('plain');
    fc.assert(
      fc.property(anyText, (name) => {
        const issue = issueOf(name);

        expect(markdownLines(issue?.body ?? '')).toHaveLength(markdownLines(plain?.body ?? '').length);
        expect(issue?.body).not.toMatch(CURSOR_MOVING);
        expect(issue?.title).not.toMatch(LINE_BREAKING);
      }),
    );
  });

  it('keeps a lone CR in a name from splitting an issue body', () => {
    const issue = desiredIssues(reportFrom(craftedReport('eve\r### Approved by security')).findings, {
      policy: { maxKeyAgeDays: 90, warnDays: 14, unusedKeyDays: 45 },
      asOf: AS_OF,
      maskKeyIds: false,
      users: [],
    })[0];

    expect(issue?.body).not.toMatch(/\r/);
    expect(markdownLines(issue?.body ?? '').some((line) => line.startsWith('### Approved'))).toBe(false);
    expect(issue?.body).toContain("aws iam list-access-keys --user-name $'eve\\r### Approved by security'");
  });
});

describe('the evidence with untrusted names', () => {
  it('shows an escape sequence and U+202E in the HTML and evidence.md escaped', async () => {
    // Prepare
    const input = await fixtureEvidenceInput();
    input.report.findings[0] = { ...input.report.findings[0]!, user: 'mallory\u001b[2K\u202eexe.txt\r|x' };

    // Act
    const model = buildEvidence(input);
    const html = renderEvidenceHtml(model);
    const markdown = renderEvidenceMarkdown(model);

    // Assess
    expect(html).not.toMatch(CURSOR_MOVING);
    expect(html).toContain('mallory\\x1b[2K\\u202eexe.txt\\r|x');
    expect(markdown).not.toMatch(CURSOR_MOVING);
    expect(markdown).toContain('mallory\\\\x1b\\[2K\\\\u202eexe.txt\\\\r\\|x');
  });

  it('never lets an HTML cell leave its element, whatever the text', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const escaped = escapeHtml(text);

        expect(escaped).not.toMatch(/[<>"']/);
        expect(escaped.replace(/&(?:amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
        expect(escaped).not.toMatch(LINE_BREAKING);
      }),
    );
  });

  it('keeps every key row of the evidence HTML at its ten cells, whatever the name', async () => {
    const input = await fixtureEvidenceInput();
    const original = input.report.findings[0]!;
    const rowOf = (html: string, marker: string) =>
      html.split('\n').find((line) => line.startsWith('<tr>') && line.includes(marker)) ?? '';
    fc.assert(
      fc.property(anyText, (name) => {
        input.report.findings[0] = { ...original, user: `${name}MARKER`, reason: name };

        const html = renderEvidenceHtml(buildEvidence(input));

        const row = rowOf(html, 'MARKER');
        expect(row.match(/<td[ >]/g)).toHaveLength(10);
        expect(row.endsWith('</tr>')).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});

describe('the JSON report', () => {
  it('keeps untrusted values exact', () => {
    const name = 'mallory\u001b[2K\r\u202e|\n';

    const json = JSON.parse(JSON.stringify(toJsonReport(reportWithName(name))));

    expect(json.findings.map((f: { user: string }) => f.user)).toContain(name);
  });
});

function summaryInput(report: ReturnType<typeof auditReport>) {
  return {
    report,
    maskKeyIds: true,
    issueFiling: 'this is a test',
    issues: null,
    issueError: null,
    reportPath: 'keywarden-report.json',
  };
}
