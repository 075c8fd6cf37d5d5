import { errorStatus, IncompleteError } from '../../core/errors.js';
import type { IssueLabels } from '../inputs.js';
import { splitByAuthor } from './authors.js';
import type { IssueClient } from './github.js';
import { describeGitHubError } from './github-errors.js';
import { accountLabel, type IssueAction, type IssuePlan, type TrackedIssue } from './plan.js';
import { markersOf } from './render.js';

export interface Repository {
  owner: string;
  repo: string;
}

/**
 * Every issue carrying the label (open and closed, every page) that has a keywarden marker.
 * Listing by label, not the search API: search is rate-limited harder and lags behind writes.
 */
export async function listTrackedIssues(
  client: IssueClient,
  repository: Repository,
  label: string,
): Promise<TrackedIssue[]> {
  const listed = await client.paginate(client.rest.issues.listForRepo, {
    ...repository,
    labels: label,
    state: 'all',
    per_page: 100,
  });
  return listed.flatMap((issue) => {
    if (issue.pull_request) return [];
    const markers = markersOf(issue.body);
    if (!markers) return [];
    return [
      {
        number: issue.number,
        state: issue.state === 'closed' ? ('closed' as const) : ('open' as const),
        stateReason: issue.state_reason ?? null,
        title: issue.title,
        fingerprint: markers.fingerprint,
        digest: markers.digest,
        author: issue.user?.login ?? '',
        // Listed labels are strings or objects whose name may be missing.
        labels: issue.labels.flatMap((label) => {
          const name = typeof label === 'string' ? label : label.name;
          return name ? [name] : [];
        }),
      },
    ];
  });
}

export interface SyncOutcome {
  opened: number[];
  updated: number[];
  reopened: number[];
  closed: number[];
  /** Issues that gained a label they lacked (the account label of an issue filed before it existed). */
  labelled: number[];
  writes: number;
  deferred: IssueAction[];
  unchanged: number;
  suppressed: TrackedIssue[];
  untouched: TrackedIssue[];
  /** Issues with keywarden's label and marker that someone else opened: ignored (not trusted). */
  ignored: TrackedIssue[];
}

/** Carries out a plan in order. A write that fails past the retries stops the sync (the rest is reported). */
export async function applyIssuePlan(
  client: IssueClient,
  repository: Repository,
  plan: IssuePlan,
  labels: IssueLabels,
  trusted: ReadonlySet<string>,
  ignored: TrackedIssue[] = [],
): Promise<SyncOutcome> {
  const outcome: SyncOutcome = {
    opened: [],
    updated: [],
    reopened: [],
    closed: [],
    labelled: [],
    writes: 0,
    deferred: plan.deferred,
    unchanged: plan.unchanged,
    suppressed: plan.suppressed,
    untouched: plan.untouched,
    ignored,
  };
  for (const action of plan.actions) {
    try {
      await applyOne(client, repository, action, labels, trusted, outcome);
    } catch (err) {
      const done =
        outcome.opened.length +
        outcome.updated.length +
        outcome.reopened.length +
        outcome.labelled.length +
        outcome.closed.length;
      throw new IncompleteError(
        `issue sync stopped at ${describeAction(action)} after ${done} change${done === 1 ? '' : 's'}: ${describeGitHubError(err)}`,
        { cause: err },
      );
    }
  }
  return outcome;
}

async function applyOne(
  client: IssueClient,
  repository: Repository,
  action: IssueAction,
  labels: IssueLabels,
  trusted: ReadonlySet<string>,
  outcome: SyncOutcome,
): Promise<void> {
  const issues = client.rest.issues;
  switch (action.kind) {
    case 'create': {
      // The account label lets a team filter the issues of its accounts.
      const withAccount: IssueLabels = [...labels, accountLabel(action.issue.account)];
      outcome.opened.push(await createOnce(client, repository, action, withAccount, trusted, outcome));
      return;
    }
    case 'update':
      await issues.update({
        ...repository,
        issue_number: action.number,
        title: action.issue.title,
        body: action.issue.body,
      });
      outcome.writes += 1;
      outcome.updated.push(action.number);
      return;
    case 'reopen':
      await issues.update({
        ...repository,
        issue_number: action.number,
        state: 'open',
        title: action.issue.title,
        body: action.issue.body,
      });
      outcome.writes += 1;
      await issues.createComment({ ...repository, issue_number: action.number, body: action.comment });
      outcome.writes += 1;
      outcome.reopened.push(action.number);
      return;
    case 'label':
      // addLabels adds to what the issue has; a PATCH with labels would replace a person's labels.
      await issues.addLabels({ ...repository, issue_number: action.number, labels: action.labels });
      outcome.writes += 1;
      outcome.labelled.push(action.number);
      return;
    case 'close':
      await issues.createComment({ ...repository, issue_number: action.number, body: action.comment });
      outcome.writes += 1;
      await issues.update({
        ...repository,
        issue_number: action.number,
        state: 'closed',
        state_reason: action.reason,
      });
      outcome.writes += 1;
      outcome.closed.push(action.number);
      return;
  }
}

/**
 * Creating is the one write that is not idempotent: a 5xx may come back after GitHub stored the issue.
 * So a create is sent without automatic retry; after a server error the labelled issues are listed again
 * and the create is repeated only if no issue with this fingerprint appeared.
 */
async function createOnce(
  client: IssueClient,
  repository: Repository,
  action: Extract<IssueAction, { kind: 'create' }>,
  labels: IssueLabels,
  trusted: ReadonlySet<string>,
  outcome: SyncOutcome,
): Promise<number> {
  const send = () =>
    client.rest.issues.create({
      ...repository,
      title: action.issue.title,
      body: action.issue.body,
      labels: [...labels],
      request: { retries: 0 },
    });
  for (let attempt = 1; ; attempt++) {
    try {
      const created = await send();
      outcome.writes += 1;
      return created.data.number;
    } catch (err) {
      const status = errorStatus(err) ?? 0;
      if (status < 500 || attempt >= 3) throw err;
      outcome.writes += 1;
      const [label] = labels;
      const found = splitByAuthor(await listTrackedIssues(client, repository, label), trusted).trusted.find(
        (issue) => issue.fingerprint === action.issue.fingerprint && issue.state === 'open',
      );
      if (found) return found.number;
      await new Promise((resolve) => setTimeout(resolve, attempt * 1000));
    }
  }
}

function describeAction(action: IssueAction): string {
  return action.kind === 'create'
    ? `creating the issue for ${action.issue.user}`
    : `${action.kind} #${action.number}`;
}
