import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../../../core/audit/report.js';
import { summarize } from '../../../core/policy/evaluate.js';
import type { Finding } from '../../../core/policy/verdicts.js';
import { toJsonReport } from '../../../core/report/json.js';
import { renderMarkdown } from '../../../core/report/markdown.js';
import { renderTable } from '../../../core/report/table.js';
import { TOOL } from '../../../core/version.js';

const asOf = new Date('2026-11-28T00:00:00Z');
const finding = (account: string, user: string, ageDays: number): Finding => ({
  account,
  user,
  userArn: `arn:aws:iam::${account}:user/${user}`,
  accessKeyId: null,
  keySlot: 1,
  status: 'Active',
  createdAt: new Date(asOf.getTime() - ageDays * 86_400_000),
  lastUsedAt: null,
  lastUsedService: null,
  ageDays,
  verdict: ageDays > 90 ? 'overdue' : 'compliant',
  severity: ageDays > 90 ? 'violation' : 'ok',
  reason: ageDays > 90 ? 'too old' : 'fine',
  controls: [],
});

/** Two accounts read, one that could not be assumed. */
function manyAccounts(): AuditReport {
  const a = [finding('111111111111', 'pay-ci', 120), finding('111111111111', 'pay-batch', 10)];
  const b = [finding('222222222222', 'lab|sync', 200)];
  const gap = { scope: 'account', reason: 'cannot assume arn:aws:iam::333333333333:role/r: AccessDenied' };
  return {
    schemaVersion: 3,
    tool: TOOL,
    asOf,
    source: 'credential-report',
    account: 'multiple',
    policy: { maxKeyAgeDays: 90, warnDays: 14, unusedKeyDays: 45 },
    summary: summarize([...a, ...b], 3),
    findings: [b[0] as Finding, a[0] as Finding, a[1] as Finding],
    users: [],
    gaps: [{ scope: 'account:333333333333', reason: gap.reason }],
    notes: [],
    accounts: [
      { account: '111111111111', name: 'payments', complete: true, gaps: [], summary: summarize(a, 2) },
      { account: '222222222222', name: null, complete: true, gaps: [], summary: summarize(b, 1) },
      { account: '333333333333', name: 'legacy', complete: false, gaps: [gap], summary: summarize([], 0) },
    ],
  };
}

describe('a many-accounts report', () => {
  it('carries accounts[] in the JSON beside the findings, each with its account', () => {
    const json = toJsonReport(manyAccounts());
    expect(json.accounts?.map((a) => [a.account, a.name, a.complete, a.summary.violations])).toEqual([
      ['111111111111', 'payments', true, 1],
      ['222222222222', null, true, 1],
      ['333333333333', 'legacy', false, 0],
    ]);
    expect(json.findings.map((f) => f.account)).toEqual(['222222222222', '111111111111', '111111111111']);
    expect(json.complete).toBe(false);
  });

  it('groups the Markdown by account, with a table of accounts and a total row', () => {
    const markdown = renderMarkdown(manyAccounts());
    expect(markdown).toContain('# keywarden audit — 3 accounts');
    expect(markdown).toContain('| 111111111111 (payments) | yes | 2 | 2 | 1 | 0 |');
    expect(markdown).toContain('| 333333333333 (legacy) | **no** (1 gap) | 0 | 0 |');
    expect(markdown).toContain('| **total (3 accounts)** | **no** | 3 | 3 | 2 |');
    const payments = markdown.indexOf('## Account 111111111111 (payments)');
    const lab = markdown.indexOf('## Account 222222222222');
    expect(markdown.indexOf('pay-ci')).toBeGreaterThan(payments);
    expect(markdown.indexOf('lab\\|sync')).toBeGreaterThan(lab);
    expect(markdown).toContain('account:333333333333: cannot assume');
  });

  it('groups the table by account, marking the incomplete one', () => {
    const table = renderTable(manyAccounts());
    expect(table).toContain('account 111111111111 (payments) · 2 users · 2 keys · 1 violation, 0 warnings');
    expect(table).toContain(
      'account 333333333333 (legacy) · 0 users · 0 keys · 0 violations, 0 warnings · INCOMPLETE (1 gap)',
    );
    expect(table).toContain('total · 3 accounts · 3 users · 3 keys');
    expect(table).toContain('AUDIT INCOMPLETE');
  });
});
