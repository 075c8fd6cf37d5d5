import { describe, expect, it } from 'vitest';
import { renderTable } from '../../../core/report/table.js';
import { auditReport, createdDaysAgo, keyRecord } from '../../support/records.js';

const ESC = '\u001b[';

const report = auditReport([
  keyRecord({ user: 'young', createdAt: createdDaysAgo(3) }),
  keyRecord({ user: 'a-much-longer-user-name', createdAt: createdDaysAgo(200) }),
  keyRecord({ user: 'warned', createdAt: createdDaysAgo(80), accessKeyId: 'AKIAEXAMPLE0000001' }),
]);

describe('renderTable', () => {
  it('lists findings worst first', () => {
    const lines = renderTable(report).split('\n');

    expect(lines.slice(1, 4).map((line) => line.split(/\s+/)[0])).toEqual([
      'overdue',
      'expiring',
      'compliant',
    ]);
  });

  it('aligns every column under its header, numbers to the right', () => {
    // Act
    const lines = renderTable(report).split('\n').slice(0, 4);

    // Assess: each column starts where its header starts; SLOT and AGE end where theirs end.
    const header = lines[0] as string;
    for (const title of ['USER', 'KEY', 'STATUS', 'LAST USED', 'REASON']) {
      const start = header.indexOf(title);
      for (const line of lines.slice(1)) expect(line[start - 1]).toBe(' ');
      for (const line of lines.slice(1)) expect(line[start]).not.toBe(' ');
    }
    const ageEnd = header.indexOf('AGE') + 'AGE'.length;
    expect(lines.slice(1).map((line) => line.slice(ageEnd - 4, ageEnd))).toEqual(['200d', ' 80d', '  3d']);
  });

  it('shows the summary and the account under the findings', () => {
    const text = renderTable(report);

    expect(text).toContain('account 123456789012 · 3 users · 3 keys');
    expect(text).toContain(
      '0 root-key, 0 compromised, 1 overdue, 1 expiring, 0 superseded, 0 unused, 0 stale, 0 exempt, 1 compliant',
    );
  });

  it('writes no escape codes unless colour is asked for', () => {
    expect(renderTable(report).includes(ESC)).toBe(false);
  });

  it('colours each row by severity when asked', () => {
    const lines = renderTable(report, { colour: true }).split('\n');

    expect(lines[1]?.startsWith(`${ESC}31m`)).toBe(true);
    expect(lines[2]?.startsWith(`${ESC}33m`)).toBe(true);
    expect(lines[3]?.startsWith(`${ESC}32m`)).toBe(true);
    expect(lines[0]?.includes(ESC)).toBe(false);
  });

  it('says what could not be read when the audit is incomplete', () => {
    const text = renderTable(
      auditReport([], { gaps: [{ scope: 'user:bob', reason: 'ListAccessKeys: AccessDenied: denied' }] }),
    );

    expect(text).toContain('No access keys.');
    expect(text).toContain(
      'AUDIT INCOMPLETE: 1 part could not be read:\n  user:bob: ListAccessKeys: AccessDenied: denied',
    );
  });
});
