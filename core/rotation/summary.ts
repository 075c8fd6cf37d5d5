import type { KeyRecord } from '../inventory/records.js';
import { evaluate } from '../policy/evaluate.js';
import type { Notice } from './notices.js';

/** The part of a run the summary speaks about (engine.ts's RotationRun). */
export interface SummarisedRun {
  account: string;
  at: string;
  dryRun: boolean;
  users: { user: string; status: string; reason: string }[];
  counts: Record<string, number>;
  /** Keys of users in scope that are violations after the run; null when not counted or unreadable. */
  violatingKeys: number | null;
}

/**
 * Keys of the given users whose verdict is a violation (the one verdict function, `evaluate`, decides:
 * overdue today, and any violation verdict added later counts too).
 */
export function countViolatingKeys(
  keys: readonly KeyRecord[],
  config: Parameters<typeof evaluate>[1],
  asOf: Date,
  users: ReadonlySet<string>,
): number {
  const inScope = keys.filter((key) => users.has(key.user));
  return evaluate(inScope, config, asOf).filter((finding) => finding.severity === 'violation').length;
}

/**
 * Quiet runs stay quiet: a summary only when something changed, failed, waits for a person, was left for
 * the next run, or a key is in violation. Never for a dry run.
 */
export function summaryNotice(run: SummarisedRun): Notice | null {
  const { done = 0, blocked = 0, failed = 0, deferred = 0 } = run.counts;
  const due = done + blocked + failed + deferred > 0 || (run.violatingKeys ?? 0) > 0;
  if (run.dryRun || !due) return null;
  return { kind: 'summary', subject: `keywarden: rotation run ${run.at}`, text: summaryText(run) };
}

/** The run in a few lines for the security team: counts, each user that needs a person, then the rest. */
export function summaryText(run: SummarisedRun): string {
  const lines = [
    `keywarden rotation in account ${run.account} at ${run.at}: ` +
      Object.entries(run.counts)
        .filter(([, n]) => n > 0)
        .map(([status, n]) => `${n} ${status}`)
        .join(', '),
  ];
  for (const user of run.users) {
    if (user.status === 'blocked' || user.status === 'failed')
      lines.push(`- ${user.user}: ${user.status}: ${user.reason}`);
  }
  if (run.violatingKeys) lines.push(`${run.violatingKeys} active key(s) of users in scope are overdue.`);
  const deferred = run.counts.deferred ?? 0;
  if (deferred > 0) lines.push(`${deferred} user(s) were left for the next run: the time budget was spent.`);
  return lines.join('\n');
}
