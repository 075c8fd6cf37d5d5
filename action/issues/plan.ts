import { accountOfFingerprint } from './fingerprint.js';
import type { DesiredIssue } from './render.js';

/** An issue keywarden filed earlier, as listed from GitHub (found by label and marker). */
export interface TrackedIssue {
  number: number;
  state: 'open' | 'closed';
  stateReason: string | null;
  title: string;
  fingerprint: string;
  digest: string | null;
  /** Login of who opened it; only issues by trusted authors count (action/issues/authors.ts). */
  author: string;
  /** Names of the labels it carries now, a person's included. */
  labels: string[];
}

export type IssueAction =
  | { kind: 'create'; issue: DesiredIssue }
  | { kind: 'update'; number: number; issue: DesiredIssue }
  | { kind: 'reopen'; number: number; issue: DesiredIssue; comment: string }
  /** Adds labels an issue lacks (addLabels adds; a PATCH with labels would drop a person's labels). */
  | { kind: 'label'; number: number; labels: string[] }
  | {
      kind: 'close';
      number: number;
      fingerprint: string;
      reason: 'completed' | 'duplicate';
      comment: string;
    };

export interface IssuePlan {
  /** What to do now, in this order, within the write cap. */
  actions: IssueAction[];
  /** What the cap held back; the next run picks it up again. */
  deferred: IssueAction[];
  /** Violations whose issue is already right. */
  unchanged: number;
  /** Violations whose issue a person closed as not planned: left closed. */
  suppressed: TrackedIssue[];
  /** Open issues of accounts this run did not scan completely: left as they are. */
  untouched: TrackedIssue[];
}

export interface PlanInput {
  desired: readonly DesiredIssue[];
  existing: readonly TrackedIssue[];
  /** Accounts scanned completely in this run: only their resolved issues may be closed. */
  completeAccounts: ReadonlySet<string>;
  maxWrites: number;
  asOf: Date;
  /** The workflow run, named in comments so a reader can trace each close and reopen to its audit. */
  runUrl?: string | null;
}

/** The label naming an issue's AWS account, `aws:<account-id>`, so a team can filter the issues of its accounts. */
export function accountLabel(account: string): string {
  return `aws:${account}`;
}

/** GitHub writes an action costs (a comment is a write of its own). */
export function writesOf(action: IssueAction): number {
  return action.kind === 'reopen' || action.kind === 'close' ? 2 : 1;
}

/**
 * A missing account label is its own action, not part of an update or reopen: an unchanged issue needs it too,
 * and it is one more write either way. It comes after updates, since an issue that says the wrong thing is
 * worse than one a filter misses, and before closes, since an open violation a team cannot find by its
 * account is worse than a resolved one left open until the next run.
 */
const PRIORITY: Record<IssueAction['kind'], number> = { create: 0, reopen: 1, update: 2, label: 3, close: 4 };

/**
 * Pure: desired issues × issues already filed × accounts scanned completely → the writes to make.
 * Creates come first (worst violation first, as `desired` is ordered), then reopens, updates, labels, closes.
 */
export function planIssueSync(input: PlanInput): IssuePlan {
  const byFingerprint = new Map<string, TrackedIssue[]>();
  for (const issue of [...input.existing].sort((a, b) => a.number - b.number)) {
    byFingerprint.set(issue.fingerprint, [...(byFingerprint.get(issue.fingerprint) ?? []), issue]);
  }
  const day = input.asOf.toISOString().slice(0, 10);
  const by = input.runUrl ? `by keywarden in ${input.runUrl}` : 'by keywarden';
  const planned: IssueAction[] = [];
  const suppressed: TrackedIssue[] = [];
  const untouched: TrackedIssue[] = [];
  let unchanged = 0;
  const wanted = new Set<string>();

  for (const issue of input.desired) {
    wanted.add(issue.fingerprint);
    const tracked = byFingerprint.get(issue.fingerprint) ?? [];
    const open = tracked.filter((t) => t.state === 'open');
    const [keep, ...duplicates] = open;
    for (const duplicate of duplicates) planned.push(closeAsDuplicate(duplicate, keep?.number ?? 0, by));
    if (keep) {
      if (keep.digest === issue.digest && keep.title === issue.title) unchanged += 1;
      else planned.push({ kind: 'update', number: keep.number, issue });
      planned.push(...labelIfMissing(keep, issue.account));
      continue;
    }
    const notPlanned = tracked.find((t) => t.stateReason === 'not_planned');
    if (notPlanned) {
      suppressed.push(notPlanned);
      continue;
    }
    // Reopen the issue that carries the history, not one closed as a duplicate of it.
    const lastClosed = tracked.filter((t) => t.stateReason !== 'duplicate').at(-1) ?? tracked.at(-1);
    if (lastClosed) {
      planned.push({
        kind: 'reopen',
        number: lastClosed.number,
        issue,
        comment: `The violation has returned: the audit of account ${issue.account} on ${day} found an access key of this user past the limit again. Reopened ${by}.`,
      });
      planned.push(...labelIfMissing(lastClosed, issue.account));
    } else {
      planned.push({ kind: 'create', issue });
    }
  }

  for (const [fingerprint, tracked] of byFingerprint) {
    if (wanted.has(fingerprint)) continue;
    const open = tracked.filter((t) => t.state === 'open');
    if (open.length === 0) continue;
    const account = accountOfFingerprint(fingerprint);
    if (account === null || !input.completeAccounts.has(account)) {
      untouched.push(...open);
      continue;
    }
    for (const issue of open) {
      planned.push({
        kind: 'close',
        number: issue.number,
        fingerprint,
        reason: 'completed',
        comment: `Resolved: the complete audit of account ${account} on ${day} found no access key of this user past the limit. Closed ${by}.`,
      });
    }
  }

  const ordered = planned
    .map((action, index) => ({ action, index }))
    .sort((a, b) => PRIORITY[a.action.kind] - PRIORITY[b.action.kind] || a.index - b.index)
    .map(({ action }) => action);
  const actions: IssueAction[] = [];
  const deferred: IssueAction[] = [];
  let writes = 0;
  for (const action of ordered) {
    // Once one action does not fit, the rest wait too, so the order of work stays the order of importance.
    if (deferred.length === 0 && writes + writesOf(action) <= input.maxWrites) {
      actions.push(action);
      writes += writesOf(action);
    } else {
      deferred.push(action);
    }
  }
  return { actions, deferred, unchanged, suppressed, untouched };
}

/** Issues filed before the account label existed, or whose label a person removed, gain it. */
function labelIfMissing(tracked: TrackedIssue, account: string): IssueAction[] {
  const label = accountLabel(account);
  // GitHub label names are case-insensitive: `AWS:<id>` is the same label and adding it again changes nothing.
  if (tracked.labels.some((name) => name.toLowerCase() === label.toLowerCase())) return [];
  return [{ kind: 'label', number: tracked.number, labels: [label] }];
}

function closeAsDuplicate(duplicate: TrackedIssue, keptNumber: number, by: string): IssueAction {
  return {
    kind: 'close',
    number: duplicate.number,
    fingerprint: duplicate.fingerprint,
    reason: 'duplicate',
    comment: `Duplicate of #${keptNumber}: keywarden keeps one issue per IAM user and account. Closed ${by}.`,
  };
}
