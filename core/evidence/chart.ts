import type { Finding, Verdict } from '../policy/verdicts.js';
import { escapeHtml } from './escape.js';

/** More bars than this stop being readable; the key table below the chart lists every key. */
export const CHART_MAX_BARS = 40;

export const VERDICT_COLOUR: Readonly<Record<Verdict, string>> = {
  'root-key': '#b71c1c',
  compromised: '#b71c1c',
  overdue: '#b71c1c',
  expiring: '#e65100',
  superseded: '#9e7c00',
  unused: '#9e7c00',
  stale: '#9e7c00',
  exempt: '#616161',
  compliant: '#2e7d32',
};

export interface ChartRow {
  label: string;
  ageDays: number;
  verdict: Verdict;
}

/** The keys the chart shows: the oldest first, at most CHART_MAX_BARS of them. */
export function chartRows(findings: readonly Finding[]): { rows: ChartRow[]; hidden: number } {
  const sorted = [...findings].sort((a, b) => b.ageDays - a.ageDays || a.user.localeCompare(b.user));
  const rows = sorted.slice(0, CHART_MAX_BARS).map((finding) => ({
    label: `${finding.user} (key ${finding.keySlot})`,
    ageDays: finding.ageDays,
    verdict: finding.verdict,
  }));
  return { rows, hidden: sorted.length - rows.length };
}

/** The axis runs past the limit so that overdue bars stand out, but stops at twice it so one ancient key does not squash the rest. */
export function axisDays(rows: readonly ChartRow[], limitDays: number): { max: number; step: number } {
  const oldest = Math.max(0, ...rows.map((row) => row.ageDays));
  const wanted = Math.max(limitDays * 1.2, Math.min(oldest, limitDays * 2));
  const step = [1, 2, 5, 10, 15, 30, 60, 90, 180, 365, 730].find((s) => wanted / s <= 8) ?? 1825;
  return { max: Math.ceil(wanted / step) * step, step };
}

const LABEL_WIDTH = 230;
const PLOT_WIDTH = 480;
const RIGHT_MARGIN = 70;
const ROW_HEIGHT = 20;
const TOP = 34;
const BOTTOM = 40;
const MAX_LABEL_CHARS = 32;

/** An inline SVG bar chart of key ages against the limit and the warning threshold. No external references. */
export function keyAgeChartSvg(
  findings: readonly Finding[],
  policy: { maxKeyAgeDays: number; warnDays: number },
  /** The chart title's element ID: unique on the page when a pack draws one chart per account. */
  titleId = 'chart-title',
): string {
  const { rows, hidden } = chartRows(findings);
  const { max, step } = axisDays(rows, policy.maxKeyAgeDays);
  const x = (days: number) => LABEL_WIDTH + (Math.min(days, max) / max) * PLOT_WIDTH;
  const width = LABEL_WIDTH + PLOT_WIDTH + RIGHT_MARGIN;
  const plotBottom = TOP + Math.max(1, rows.length) * ROW_HEIGHT;
  const height = plotBottom + BOTTOM;
  const parts: string[] = [];
  parts.push(
    `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${titleId}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title id="${titleId}">Access key ages in days against the ${policy.maxKeyAgeDays}-day limit${hidden > 0 ? ` (the ${rows.length} oldest of ${rows.length + hidden} keys)` : ''}</title>`,
  );
  for (let days = 0; days <= max; days += step) {
    parts.push(
      `<line x1="${x(days)}" y1="${TOP}" x2="${x(days)}" y2="${plotBottom}" stroke="#e0e0e0"/>`,
      `<text x="${x(days)}" y="${plotBottom + 16}" text-anchor="middle" fill="#424242">${days}</text>`,
    );
  }
  rows.forEach((row, index) => {
    const y = TOP + index * ROW_HEIGHT;
    const label =
      row.label.length > MAX_LABEL_CHARS ? `${row.label.slice(0, MAX_LABEL_CHARS - 1)}…` : row.label;
    const clipped = row.ageDays > max;
    parts.push(
      `<g><title>${escapeHtml(`${row.label}: ${row.ageDays} days, ${row.verdict}`)}</title>`,
      `<text x="${LABEL_WIDTH - 8}" y="${y + 14}" text-anchor="end" fill="#212121">${escapeHtml(label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y + 4}" width="${Math.max(1, x(row.ageDays) - LABEL_WIDTH)}" height="${ROW_HEIGHT - 8}" fill="${VERDICT_COLOUR[row.verdict]}"/>`,
      `<text x="${x(row.ageDays) + 4}" y="${y + 14}" fill="#212121">${row.ageDays}${clipped ? ' ›' : ''}</text></g>`,
    );
  });
  if (rows.length === 0) {
    parts.push(`<text x="${LABEL_WIDTH + 8}" y="${TOP + 14}" fill="#424242">No access keys.</text>`);
  }
  const warnAt = policy.maxKeyAgeDays - policy.warnDays;
  parts.push(
    `<line x1="${x(warnAt)}" y1="${TOP - 6}" x2="${x(warnAt)}" y2="${plotBottom}" stroke="${VERDICT_COLOUR.expiring}" stroke-width="1.5" stroke-dasharray="4 3"/>`,
    `<text x="${x(warnAt) - 4}" y="${TOP - 10}" text-anchor="end" fill="${VERDICT_COLOUR.expiring}">warn ${warnAt} d</text>`,
    `<line x1="${x(policy.maxKeyAgeDays)}" y1="${TOP - 6}" x2="${x(policy.maxKeyAgeDays)}" y2="${plotBottom}" stroke="${VERDICT_COLOUR.overdue}" stroke-width="2"/>`,
    `<text x="${x(policy.maxKeyAgeDays) + 4}" y="${TOP - 10}" fill="${VERDICT_COLOUR.overdue}">limit ${policy.maxKeyAgeDays} d</text>`,
    `<text x="${LABEL_WIDTH + PLOT_WIDTH / 2}" y="${height - 2}" text-anchor="middle" fill="#424242">key age (days)</text>`,
    '</svg>',
  );
  return parts.join('\n');
}
