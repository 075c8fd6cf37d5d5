import { describe, expect, it } from 'vitest';
import { axisDays, CHART_MAX_BARS, chartRows, keyAgeChartSvg } from '../../../core/evidence/chart.js';
import type { Finding } from '../../../core/policy/verdicts.js';

function finding(user: string, ageDays: number, verdict: Finding['verdict'] = 'compliant'): Finding {
  return {
    account: '123456789012',
    user,
    userArn: `arn:aws:iam::123456789012:user/${user}`,
    accessKeyId: null,
    keySlot: 1,
    status: 'Active',
    createdAt: new Date('2026-01-01T00:00:00Z'),
    lastUsedAt: null,
    lastUsedService: null,
    ageDays,
    verdict,
    severity: 'ok',
    reason: '',
    controls: [],
  };
}

describe('chartRows', () => {
  it('draws the oldest keys first and counts the ones it leaves out', () => {
    const findings = Array.from({ length: CHART_MAX_BARS + 5 }, (_, i) => finding(`user-${i}`, i));

    const { rows, hidden } = chartRows(findings);

    expect(rows).toHaveLength(CHART_MAX_BARS);
    expect(rows[0]?.ageDays).toBe(CHART_MAX_BARS + 4);
    expect(hidden).toBe(5);
  });
});

describe('axisDays', () => {
  it('runs past the limit even when every key is young', () => {
    expect(axisDays([{ label: 'a', ageDays: 3, verdict: 'compliant' }], 90).max).toBeGreaterThan(90);
  });

  it('stops at twice the limit so that one ancient key does not squash the others', () => {
    expect(axisDays([{ label: 'a', ageDays: 4000, verdict: 'overdue' }], 90).max).toBe(180);
  });
});

describe('keyAgeChartSvg', () => {
  it('marks the limit and the start of the warning window', () => {
    const svg = keyAgeChartSvg([finding('alice', 100, 'overdue')], { maxKeyAgeDays: 90, warnDays: 14 });

    expect(svg).toContain('limit 90 d');
    expect(svg).toContain('warn 76 d');
    expect(svg).toContain('alice (key 1)');
  });

  it('marks a bar that runs past the axis with its true age', () => {
    const svg = keyAgeChartSvg([finding('ancient', 4000, 'overdue')], { maxKeyAgeDays: 90, warnDays: 14 });

    expect(svg).toContain('4000 ›');
  });
});
