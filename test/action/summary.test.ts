import { describe, expect, it } from 'vitest';
import type { SyncOutcome } from '../../action/issues/apply.js';
import { ageChart, CHART_KEYS, renderJobSummary } from '../../action/summary.js';
import type { AuditReport } from '../../core/audit/report.js';
import { summarize } from '../../core/policy/evaluate.js';
import type { Finding } from '../../core/policy/verdicts.js';
import { TOOL } from '../../core/version.js';

const asOf = new Date('2026-06-01T12:00:00Z');

function finding(user: string, ageDays: number, overrides: Partial<Finding> = {}): Finding {
  return {
    account: '123456789012',
    user,
    userArn: `arn:aws:iam::123456789012:user/${user}`,
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    keySlot: 1,
    status: 'Active',
    createdAt: new Date(asOf.getTime() - ageDays * 86_400_000),
    lastUsedAt: null,
    lastUsedService: null,
    ageDays,
    verdict: ageDays > 90 ? 'overdue' : 'compliant',
    severity: ageDays > 90 ? 'violation' : 'ok',
    reason: 'reason',
    controls: [],
    ...overrides,
  };
}

function report(findings: Finding[]): AuditReport {
  return {
    schemaVersion: 3,
    tool: TOOL,
    asOf,
    source: 'api',
    account: '123456789012',
    policy: { maxKeyAgeDays: 90, warnDays: 14, unusedKeyDays: 45 },
    summary: summarize(findings, findings.length),
    findings,
    users: [],
    gaps: [],
    notes: [],
  };
}

describe('ageChart', () => {
  it('draws the oldest active keys as bars and the limit as a line', () => {
    // Prepare
    const findings = Array.from({ length: 30 }, (_, i) => finding(`user-${i}`, i * 10));
    findings.push(finding('inactive-old', 999, { status: 'Inactive' }));
    // Act
    const chart = ageChart(findings, 90) ?? '';
    // Assess
    const bars = /bar \[([^\]]*)\]/.exec(chart)?.[1]?.split(', ') ?? [];
    const line = /line \[([^\]]*)\]/.exec(chart)?.[1]?.split(', ') ?? [];
    expect(bars).toHaveLength(CHART_KEYS);
    expect(bars[0]).toBe('290');
    expect(new Set(line)).toEqual(new Set(['90']));
    expect(chart.includes('inactive-old')).toBe(false);
  });

  it('keeps a name that is not an IAM name from breaking out of the chart', () => {
    const chart = ageChart([finding('evil"] \nbar [1', 100)], 90) ?? '';
    expect(chart).toContain('x-axis ["evil????bar??1"]');
  });

  it('draws nothing when no key is active', () => {
    expect(ageChart([finding('old', 200, { status: 'Inactive' })], 90)).toBeNull();
  });
});

describe('renderJobSummary', () => {
  it('lists what the write cap held back', () => {
    const issues: SyncOutcome = {
      opened: [1],
      updated: [],
      reopened: [],
      closed: [],
      labelled: [3],
      writes: 2,
      deferred: [
        { kind: 'label', number: 4, labels: ['aws:123456789012'] },
        { kind: 'close', number: 9, fingerprint: 'x', reason: 'completed', comment: '' },
      ],
      ignored: [],
      unchanged: 0,
      suppressed: [],
      untouched: [],
    };
    const text = renderJobSummary({
      report: report([finding('alice', 120)]),
      maskKeyIds: true,
      issueFiling: 'create-issues is true',
      issues,
      issueError: null,
      reportPath: '/tmp/report.json',
    });
    expect(text).toContain('held back 2 changes');
    expect(text).toContain('- add the label aws:123456789012 to #4');
    expect(text).toContain('- close #9');
    expect(text).toContain('- opened: #1');
    expect(text).toContain('- labelled: #3');
    expect(text.includes('AKIAIOSFODNN7EXAMPLE')).toBe(false);
  });
});
