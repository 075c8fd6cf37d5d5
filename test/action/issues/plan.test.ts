import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../../action/issues/fingerprint.js';
import {
  accountLabel,
  type IssueAction,
  planIssueSync,
  type TrackedIssue,
  writesOf,
} from '../../../action/issues/plan.js';
import type { DesiredIssue } from '../../../action/issues/render.js';

const asOf = new Date('2026-06-01T12:00:00Z');
const ACCOUNT = '111111111111';
const OTHER_ACCOUNT = '222222222222';

function desired(user: string, digest = 'd1', account = ACCOUNT): DesiredIssue {
  return {
    fingerprint: fingerprint(account, user),
    account,
    user,
    title: `Rotate the IAM access key of ${user} (account ${account})`,
    body: `body of ${user}`,
    digest,
  };
}

function tracked(issue: DesiredIssue, number: number, overrides: Partial<TrackedIssue> = {}): TrackedIssue {
  return {
    number,
    state: 'open',
    stateReason: null,
    title: issue.title,
    fingerprint: issue.fingerprint,
    digest: issue.digest,
    author: 'github-actions[bot]',
    labels: ['iam-key-rotation', accountLabel(issue.account)],
    ...overrides,
  };
}

const plan = (input: Partial<Parameters<typeof planIssueSync>[0]>) =>
  planIssueSync({
    desired: [],
    existing: [],
    completeAccounts: new Set([ACCOUNT]),
    maxWrites: 30,
    asOf,
    ...input,
  });

const kinds = (actions: IssueAction[]) =>
  actions.map((a) => `${a.kind}${'number' in a ? ` #${a.number}` : ` ${a.issue.user}`}`);

describe('planIssueSync', () => {
  it('creates an issue for a new violation', () => {
    // Prepare
    const alice = desired('alice');
    // Act
    const result = plan({ desired: [alice] });
    // Assess
    expect(kinds(result.actions)).toEqual(['create alice']);
    expect(result.deferred).toEqual([]);
  });

  it('makes no write when the open issue already says the same', () => {
    const alice = desired('alice');
    const result = plan({ desired: [alice], existing: [tracked(alice, 7)] });
    expect(result.actions).toEqual([]);
    expect(result.unchanged).toBe(1);
  });

  it('updates an open issue whose content changed', () => {
    const alice = desired('alice', 'new');
    const result = plan({ desired: [alice], existing: [tracked(alice, 7, { digest: 'old' })] });
    expect(kinds(result.actions)).toEqual(['update #7']);
  });

  it('updates an open issue whose title was edited by a person', () => {
    const alice = desired('alice');
    const result = plan({ desired: [alice], existing: [tracked(alice, 7, { title: 'renamed' })] });
    expect(kinds(result.actions)).toEqual(['update #7']);
  });

  it('reopens a completed issue when the violation returns, with a comment', () => {
    const alice = desired('alice');
    const result = plan({
      desired: [alice],
      existing: [tracked(alice, 7, { state: 'closed', stateReason: 'completed' })],
    });
    expect(kinds(result.actions)).toEqual(['reopen #7']);
    const [reopen] = result.actions;
    expect(reopen?.kind === 'reopen' && reopen.comment).toContain('returned');
  });

  it('reopens the original issue rather than one closed as its duplicate', () => {
    const alice = desired('alice');
    const result = plan({
      desired: [alice],
      existing: [
        tracked(alice, 4, { state: 'closed', stateReason: 'completed' }),
        tracked(alice, 9, { state: 'closed', stateReason: 'duplicate' }),
      ],
    });
    expect(kinds(result.actions)).toEqual(['reopen #4']);
  });

  it('leaves an issue closed as not planned closed, and does not file a new one', () => {
    const alice = desired('alice');
    const closed = tracked(alice, 7, { state: 'closed', stateReason: 'not_planned' });
    const result = plan({ desired: [alice], existing: [closed] });
    expect(result.actions).toEqual([]);
    expect(result.suppressed).toEqual([closed]);
  });

  it('keeps the oldest open duplicate and closes the others as duplicates', () => {
    const alice = desired('alice');
    const result = plan({ desired: [alice], existing: [tracked(alice, 9), tracked(alice, 4)] });
    expect(kinds(result.actions)).toEqual(['close #9']);
    const [close] = result.actions;
    expect(close?.kind === 'close' && close.reason).toBe('duplicate');
    expect(close?.kind === 'close' && close.comment).toContain('#4');
    expect(result.unchanged).toBe(1);
  });

  it('closes the issue of a resolved violation in a completely scanned account, with a comment', () => {
    const bob = desired('bob');
    const result = plan({ desired: [], existing: [tracked(bob, 3)] });
    expect(kinds(result.actions)).toEqual(['close #3']);
    const [close] = result.actions;
    expect(close?.kind === 'close' && close.reason).toBe('completed');
    expect(close?.kind === 'close' && close.comment).toContain('Resolved');
  });

  it('names the workflow run in the comments it writes', () => {
    const bob = desired('bob');
    const runUrl = 'https://github.com/acme/infra/actions/runs/42';
    const [close] = plan({ existing: [tracked(bob, 3)], runUrl }).actions;
    expect(close?.kind === 'close' && close.comment).toContain(`Closed by keywarden in ${runUrl}.`);
  });

  it('does not touch an already closed issue of a resolved violation', () => {
    const bob = desired('bob');
    const result = plan({ existing: [tracked(bob, 3, { state: 'closed', stateReason: 'completed' })] });
    expect(result.actions).toEqual([]);
  });

  it('leaves open the issues of an account that was not scanned completely', () => {
    const bob = desired('bob');
    const carol = desired('carol', 'd1', OTHER_ACCOUNT);
    const open = [tracked(bob, 3), tracked(carol, 5)];
    const result = plan({ existing: open, completeAccounts: new Set() });
    expect(result.actions).toEqual([]);
    expect(result.untouched.map((i) => i.number)).toEqual([3, 5]);
  });

  it('closes only the issues of the account this run scanned (a matrix of accounts)', () => {
    const bob = desired('bob');
    const carol = desired('carol', 'd1', OTHER_ACCOUNT);
    const result = plan({ existing: [tracked(bob, 3), tracked(carol, 5)] });
    expect(kinds(result.actions)).toEqual(['close #3']);
    expect(result.untouched.map((i) => i.number)).toEqual([5]);
  });

  it('stops at the write cap, most important first, and defers the rest', () => {
    const [a, b, c] = [desired('a'), desired('b'), desired('c')];
    const gone = desired('gone');
    const changed = desired('changed', 'new');
    const result = plan({
      desired: [a, b, c, changed],
      existing: [tracked(gone, 1), tracked(changed, 2, { digest: 'old' })],
      maxWrites: 2,
    });
    expect(kinds(result.actions)).toEqual(['create a', 'create b']);
    expect(kinds(result.deferred)).toEqual(['create c', 'update #2', 'close #1']);
  });

  it('makes no write at all with a cap of zero', () => {
    const result = plan({ desired: [desired('a')], maxWrites: 0 });
    expect(result.actions).toEqual([]);
    expect(result.deferred).toHaveLength(1);
  });

  it('adds the account label to an unchanged open issue that lacks it, as one write', () => {
    // Prepare: filed before the account label existed; a person added a label of their own.
    const alice = desired('alice');
    const old = tracked(alice, 7, { labels: ['iam-key-rotation', 'team:payments'] });
    // Act
    const result = plan({ desired: [alice], existing: [old] });
    // Assess
    expect(result.actions).toEqual([{ kind: 'label', number: 7, labels: [`aws:${ACCOUNT}`] }]);
    expect(result.actions.map(writesOf)).toEqual([1]);
    expect(result.unchanged).toBe(1);
  });

  it('labels an issue it updates or reopens, after the update or reopen', () => {
    // Prepare
    const alice = desired('alice', 'new');
    const bob = desired('bob');
    // Act
    const result = plan({
      desired: [alice, bob],
      existing: [
        tracked(alice, 7, { digest: 'old', labels: ['iam-key-rotation'] }),
        tracked(bob, 8, { state: 'closed', stateReason: 'completed', labels: [] }),
      ],
    });
    // Assess
    expect(kinds(result.actions)).toEqual(['reopen #8', 'update #7', 'label #7', 'label #8']);
  });

  it('makes no label write for an issue that has its account label, in any letter case', () => {
    // Prepare: GitHub label names are case-insensitive, so adding `aws:…` again would change nothing.
    const alice = desired('alice');
    const bob = desired('bob', 'new');
    // Act
    const result = plan({
      desired: [alice, bob],
      existing: [
        tracked(alice, 7, { labels: ['iam-key-rotation', `AWS:${ACCOUNT}`] }),
        tracked(bob, 8, { digest: 'old' }),
      ],
    });
    // Assess
    expect(kinds(result.actions)).toEqual(['update #8']);
    expect(result.unchanged).toBe(1);
  });

  it('labels only issues it keeps open for a violation', () => {
    // Prepare: a duplicate to close, one closed as not planned, one of an account not scanned completely.
    const alice = desired('alice');
    const bob = desired('bob');
    const carol = desired('carol', 'd1', OTHER_ACCOUNT);
    // Act
    const result = plan({
      desired: [alice, bob],
      existing: [
        tracked(alice, 4),
        tracked(alice, 9, { labels: [] }),
        tracked(bob, 5, { state: 'closed', stateReason: 'not_planned', labels: [] }),
        tracked(carol, 6, { labels: [] }),
      ],
    });
    // Assess
    expect(kinds(result.actions)).toEqual(['close #9']);
    expect(result.suppressed.map((i) => i.number)).toEqual([5]);
    expect(result.untouched.map((i) => i.number)).toEqual([6]);
  });

  it('puts label writes after updates and before closes, each counted against the cap', () => {
    // Prepare
    const a = desired('a');
    const changed = desired('changed', 'new');
    const unlabelled = desired('unlabelled');
    const gone = desired('gone');
    const input = {
      desired: [a, changed, unlabelled],
      existing: [
        tracked(gone, 1),
        tracked(changed, 2, { digest: 'old' }),
        tracked(unlabelled, 3, { labels: ['iam-key-rotation'] }),
      ],
    };
    // Act
    const three = plan({ ...input, maxWrites: 3 });
    const two = plan({ ...input, maxWrites: 2 });
    // Assess
    expect(kinds(three.actions)).toEqual(['create a', 'update #2', 'label #3']);
    expect(kinds(three.deferred)).toEqual(['close #1']);
    expect(kinds(two.actions)).toEqual(['create a', 'update #2']);
    expect(kinds(two.deferred)).toEqual(['label #3', 'close #1']);
  });
});
