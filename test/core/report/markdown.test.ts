import { describe, expect, it } from 'vitest';
import { escapeMarkdown, findingsTable, maskKeyId, renderMarkdown } from '../../../core/report/markdown.js';
import { auditReport, createdDaysAgo, keyRecord } from '../../support/records.js';

describe('escapeMarkdown', () => {
  it('escapes every character that would start markup', () => {
    expect(escapeMarkdown('a|b*c_d`e[f](g)<h>#i!j~k+l{m}\\n')).toBe(
      'a\\|b\\*c\\_d\\`e\\[f\\]\\(g\\)&lt;h&gt;\\#i\\!j\\~k\\+l\\{m\\}\\\\n',
    );
  });

  it('keeps HTML inert', () => {
    expect(escapeMarkdown('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert\\(1\\)&gt;');
  });

  it('writes a literal ampersand as an entity', () => {
    expect(escapeMarkdown('R&D')).toBe('R&amp;D');
  });

  it('breaks @-mentions so that an issue never notifies a stranger', () => {
    expect(escapeMarkdown('ask @security-team')).toBe('ask @&#8203;security-team');
  });

  it('breaks autolinks so that a tag cannot plant a link', () => {
    expect(escapeMarkdown('see https://evil.example or www.evil.example')).toBe(
      'see https:&#8203;//evil.example or www&#8203;.evil.example',
    );
  });

  it('folds newlines so that a cell stays on its table row', () => {
    expect(escapeMarkdown('line one\r\nline two\nthree')).toBe('line one line two three');
  });
});

describe('maskKeyId', () => {
  it('shows the first and last four characters when masking', () => {
    expect(maskKeyId('AKIAEXAMPLE0000001', true)).toBe('AKIA…0001');
  });

  it('shows a dash for an unknown ID', () => {
    expect(maskKeyId(null, false)).toBe('—');
  });
});

describe('renderMarkdown', () => {
  it('renders a summary and a findings row with the user name escaped', () => {
    // Prepare
    const report = auditReport([keyRecord({ user: 'ci|bot', createdAt: createdDaysAgo(95) })]);

    // Act
    const markdown = renderMarkdown(report);

    // Assess
    expect(markdown).toContain('# keywarden audit — account 123456789012');
    expect(markdown).toContain(
      '| users | keys | root-key | compromised | overdue | expiring | superseded | unused | stale | exempt | compliant |',
    );
    expect(markdown).toContain('| 1 | 1 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 |');
    expect(markdown).toContain('| 🔴 overdue | ci\\|bot | 1 | — | Active | 95 |');
  });

  it('puts an incomplete audit first, with what is missing', () => {
    const report = auditReport([], { gaps: [{ scope: 'user:bob', reason: 'ListAccessKeys: AccessDenied' }] });

    const markdown = renderMarkdown(report);

    expect(markdown).toContain('## ⚠️ Audit incomplete\n\n- user:bob: ListAccessKeys: AccessDenied');
    expect(markdown.indexOf('Audit incomplete')).toBeLessThan(markdown.indexOf('## Findings'));
  });

  it('says so when there are no keys', () => {
    expect(renderMarkdown(auditReport([]))).toContain('## Findings\n\nNo access keys.');
  });
});

describe('findingsTable', () => {
  it('cuts at the limit and says how many more there are', () => {
    const report = auditReport([
      keyRecord({ user: 'a' }),
      keyRecord({ user: 'b' }),
      keyRecord({ user: 'c' }),
    ]);

    const table = findingsTable(report.findings, { limit: 1 });

    expect(table.split('\n').filter((line) => line.startsWith('| 🟢'))).toHaveLength(1);
    expect(table.endsWith('…and 2 more.')).toBe(true);
  });
});
