/**
 * The rotation engine: the one entry that `keywarden rotate` and the rotation Lambda both call.
 *
 *   const run = await rotateUsers({ clients, config, account, actor, clock, trail, notifier,
 *                                   users: 'in-scope' | ['alice'], dryRun, deadline });
 *
 * Contract:
 * - `users: 'in-scope'` rotates every IAM user carrying `config.scope.tagKey = tagValue` (ListUsers, every
 *   page, then ListUserTags). A list of names rotates those users whatever their tags (manual rotation), or,
 *   with `enrolledOnly`, only those carrying the tag (the others are reported `blocked`: the rotation function
 *   may not change them); an unknown name throws UsageError before anything changes.
 * - `quarantinedAt`: the run was started by AWS quarantining the named users at that instant (planner.ts).
 * - Per user: read keys and the managed secret's state → `planUser` (pure) → execute, unless `dryRun`
 *   (then nothing is written anywhere: no AWS mutation, no trail record, no notice, no lease).
 * - Overlapping runs (CLI, Lambda, other machines): a user with something to do is worked on only under
 *   its lease (`lease`, lease.ts), taken before its state is read again and planned again; a run that cannot
 *   take it within `leaseWaitMs` leaves the user `deferred`. A mutating run without a lease store is refused.
 *   Recovery of a write-ahead marker is planned only under the lease, so it is always the marker of a run
 *   whose lease was released or has expired.
 * - `deadline` (epoch ms of `wallClock`, default Date.now): no user is started after it. Users not started
 *   are reported `deferred`; the next run picks them up. Every step is idempotent, so a run stopped
 *   anywhere (deadline, crash, throttling) is continued by the next without repeating work.
 * - One user's failure does not stop the others: it is reported `failed` with one line, and
 *   `run.complete` is false. Only a failure to list the users throws (IncompleteError).
 * - Every mutation appends one trail record; notices go to `notifier`; with `summary` at most one summary
 *   notice is sent per run (`summaryNotice` decides). With `violations`, the keys of the users in scope
 *   that are violations after the run are counted (`run.violatingKeys`). No secret is in the result,
 *   the trail or a notice.
 * - `deliver: 'stdout'` (manual rotation only) hands the new secret to `onDelivery` once instead of storing it.
 */
import { GetUserCommand, type IAMClient, paginateListUsers, paginateListUserTags } from '@aws-sdk/client-iam';
import { mapWithConcurrency } from '../aws/clients.js';
import { awsHttpStatus, classifyAwsError, describeError, IncompleteError, UsageError } from '../errors.js';
import { fetchCredentialReport } from '../inventory/live.js';
import type { Config } from '../policy/schema.js';
import { isUnreadable } from '../trail/index.js';
import type { ActionResult, DeliveredKey, ExecutorContext, RotationSetting, TargetUser } from './context.js';
import { UserExecutor } from './executor.js';
import { type LeaseStore, leaseIsLive } from './lease.js';
import { type Plan, planUser } from './planner.js';
import type { Delivery, UserState } from './state.js';
import { countViolatingKeys, summaryNotice } from './summary.js';
import { CLOCK_SKEW_MS } from './timeline.js';
import { readUserState } from './user-state.js';

export interface RotateUsersRequest extends RotationSetting {
  users: 'in-scope' | readonly string[];
  dryRun?: boolean;
  /** Manual rotation: create the replacement now whatever the key's age. */
  force?: boolean;
  /**
   * With force: the user's keys as the operator was shown them (a dry run's `seen`). If another run has changed
   * them since, that run did the rotation, and this one follows the policy's timeline instead.
   */
  forceOnlyIfSeen?: string;
  /** With a list of names: rotate only those in the rotation scope; the others are reported `blocked`. */
  enrolledOnly?: boolean;
  /** When AWS attached its quarantine policy to the named users (the event that started the run). */
  quarantinedAt?: Date;
  deliver?: Delivery;
  onDelivery?: (key: DeliveredKey) => void;
  kmsKeyId?: string;
  /** Stop starting users after this time (epoch ms of `wallClock`). */
  deadline?: number;
  wallClock?: () => number;
  /** Users worked on at once (default 8); IAM's rate limit and adaptive retry set the real pace. */
  concurrency?: number;
  /** Send one summary notice at the end of the run, when `summaryNotice` says it is due. */
  summary?: boolean;
  /**
   * Count the violating keys of the users in scope after the run (credential report), reading until
   * `deadline` (epoch ms of `wallClock`). Without it `run.violatingKeys` is null.
   */
  violations?: { deadline: number };
  /** Where users' leases are taken; required unless `dryRun`. */
  lease?: LeaseStore | undefined;
  /** How long to wait for a user's lease that another run holds (default 30 s); then the user is deferred. */
  leaseWaitMs?: number;
}

/** Long enough for another run's rotation of the same user to finish (seconds), short against a Lambda run. */
const LEASE_WAIT_MS = 30_000;

/** Why a mutating run without a lease store is refused (one line). */
export const LEASE_REQUIRED =
  'rotation changes keys only under a per-user lease, so that overlapping runs cannot undo each other: name an S3 bucket without Object Lock with --lease-bucket or rotation.lease.bucket in the config (the rotation stack creates one); see docs/overlapping-runs.md';

/** A mutating run without a lease store: refused before anything changes. */
export class LeaseRequiredError extends UsageError {
  override name = 'LeaseRequiredError';
}

export type UserStatus = 'done' | 'waiting' | 'blocked' | 'exempt' | 'planned' | 'failed' | 'deferred';

/** A planned step and the instant it fell due (ISO). */
export interface PlannedStep {
  kind: Plan['actions'][number]['kind'];
  keyId: string | null;
  dueAt: string;
  reason: string;
}

export interface UserOutcome {
  user: string;
  status: UserStatus;
  reason: string;
  /** The plan this run made for the user, each step with its due instant. */
  plan: PlannedStep[];
  /** What was done (or, in a dry run, would be done), in order. */
  actions: ActionResult[];
  next: { what: string; at: string } | null;
  /** A dry run's: the keys, stored key and marker the plan was made from (`keysSeen`), for a manual rotation. */
  seen?: string;
}

export interface RotationRun {
  account: string;
  at: string;
  dryRun: boolean;
  users: UserOutcome[];
  counts: Record<UserStatus, number>;
  /** False when a user failed or was deferred: the next run continues. */
  complete: boolean;
  /** Keys of the users in scope that are violations after the run; null when not asked for or unreadable. */
  violatingKeys: number | null;
  /** Why the violating keys could not be counted (one line), when they could not. */
  violationsUnread?: string;
}

/** What a manual rotation of one user (`keywarden rotate --user U`) is: that user, now, whatever its keys' age. */
export type ManualRotation = Omit<RotateUsersRequest, 'users' | 'force' | 'dryRun' | 'forceOnlyIfSeen'> & {
  user: string;
  /** What the operator approved: the `seen` of the plan `planManualRotation` showed. */
  approved?: string | undefined;
};

/** The request of a manual rotation: the one place that says what `rotate --user` asks of the engine. */
export function manualRotationRequest({ user, approved, ...setting }: ManualRotation): RotateUsersRequest {
  return {
    ...setting,
    users: [user],
    force: true,
    ...(approved === undefined ? {} : { forceOnlyIfSeen: approved }),
  };
}

/**
 * The plan `keywarden rotate --user U` makes before it changes anything (a dry run of the same request): the
 * one planner call that `rotate` shows and acts on and that `doctor --user` shows, so the two cannot disagree.
 */
export async function planManualRotation(rotation: ManualRotation): Promise<UserOutcome> {
  const run = await rotateUsers({ ...manualRotationRequest(rotation), dryRun: true });
  const [outcome] = run.users;
  if (!outcome) throw new IncompleteError(`no plan was made for ${rotation.user}`);
  return outcome;
}

export async function rotateUsers(request: RotateUsersRequest): Promise<RotationRun> {
  if (!request.dryRun && !request.lease) throw new LeaseRequiredError(LEASE_REQUIRED);
  const at = request.clock();
  const wallClock = request.wallClock ?? Date.now;
  const targets = await resolveUsers(request);
  const context: ExecutorContext = {
    clients: request.clients,
    config: request.config,
    account: request.account,
    actor: request.actor,
    clock: request.clock,
    trail: request.trail,
    notifier: request.notifier,
    consumers: request.consumers,
    kmsKeyId: request.kmsKeyId,
    deliver: request.deliver ?? 'secrets-manager',
    onDelivery: request.onDelivery,
  };
  const users = await mapWithConcurrency(targets, request.concurrency ?? 8, async (target) => {
    if (request.enrolledOnly && !target.enrolled) {
      const { tagKey, tagValue } = request.config.scope;
      return outcome(
        target.name,
        'blocked',
        `not enrolled in rotation (tag ${tagKey}=${tagValue}): the rotation function changes nothing; rotate it by hand with keywarden rotate --user ${target.name}`,
        [],
        [],
        null,
      );
    }
    if (request.deadline !== undefined && wallClock() >= request.deadline) {
      return outcome(target.name, 'deferred', 'time budget spent; the next run continues', [], [], null);
    }
    try {
      return await rotateOne(request, context, target);
    } catch (err) {
      return outcome(target.name, 'failed', failureLine(err), [], [], null);
    }
  });
  const counts = { done: 0, waiting: 0, blocked: 0, exempt: 0, planned: 0, failed: 0, deferred: 0 };
  for (const user of users) counts[user.status]++;
  const run: RotationRun = {
    account: request.account,
    at: at.toISOString(),
    dryRun: Boolean(request.dryRun),
    users,
    counts,
    complete: counts.failed === 0 && counts.deferred === 0,
    violatingKeys: null,
  };
  if (request.violations) {
    try {
      const names = new Set(targets.map((target) => target.name));
      const budget = request.violations.deadline - wallClock();
      run.violatingKeys = await readViolatingKeys(
        request.clients.iam,
        request.config,
        request.clock(),
        names,
        budget,
      );
    } catch (err) {
      run.violationsUnread = describeError(err);
    }
  }
  const summary = request.summary ? summaryNotice(run) : null;
  if (summary) await request.notifier.send(summary);
  return run;
}

/**
 * One user: a plan from what AWS shows now; when it acts, the user's lease, then the state read and planned
 * again under it (another run may have finished the work meanwhile), then the actions, then the lease given
 * back. A user with nothing to do costs no lease write.
 */
async function rotateOne(
  request: RotateUsersRequest,
  context: ExecutorContext,
  target: RotationTarget,
): Promise<UserOutcome> {
  // A manual rotation stands only on the keys it was asked about: those the operator approved, else those
  // this run read first. If another run changed them meanwhile, that run did the rotation (no double rotation).
  const standsOn = (seen: string | undefined) => (now: UserState) =>
    seen === undefined || keysSeen(now) === seen;
  const first = await readAndPlan(request, target, standsOn(request.forceOnlyIfSeen));
  if (request.dryRun) {
    const seen = { seen: keysSeen(first.state) };
    if (first.plan.status !== 'act')
      return { ...planned(target.name, first.plan, first.plan.status), ...seen };
    const busy = await liveRunOf(request, target, first.state);
    return busy
      ? { ...planned(target.name, first.plan, 'deferred', busy), ...seen }
      : { ...planned(target.name, first.plan, 'planned'), ...seen };
  }
  if (first.plan.status !== 'act') return planned(target.name, first.plan, first.plan.status);
  const lease = request.lease;
  if (!lease) throw new LeaseRequiredError(`${target.name}: no lease store`);
  const acquired = await lease.acquire(request.account, target.name, {
    holder: request.actor,
    waitMs: request.leaseWaitMs ?? LEASE_WAIT_MS,
  });
  if (!acquired.held) {
    const { holder, until } = acquired.current;
    return planned(
      target.name,
      first.plan,
      'deferred',
      `another keywarden run (${holder}) holds the lease on ${target.name} until ${until.toISOString()}; this run changed nothing for this user, the next run continues`,
    );
  }
  try {
    const { state, plan } = await readAndPlan(
      request,
      target,
      standsOn(request.forceOnlyIfSeen ?? keysSeen(first.state)),
    );
    if (plan.status !== 'act') return planned(target.name, plan, plan.status);
    const results = await new UserExecutor(context, state, acquired.lease).run(plan.actions);
    const blocked = results.find((result) => result.outcome === 'blocked');
    return outcome(
      target.name,
      blocked ? 'blocked' : 'done',
      blocked ? blocked.reason : plan.reason,
      stepsOf(plan),
      results,
      nextOf(plan),
    );
  } finally {
    await acquired.lease.release();
  }
}

/** The user's state and plan as AWS and the trail show them now (the trail only when a marker is set). */
async function readAndPlan(
  request: RotateUsersRequest,
  target: RotationTarget,
  forceStands: (state: UserState) => boolean,
): Promise<{ state: UserState; plan: Plan }> {
  const state = await readUserState(request.clients, request.account, target);
  const pending = state.secret?.pending;
  const recordsSincePending = pending
    ? (await request.trail.read({ from: new Date(pending.at.getTime() - CLOCK_SKEW_MS) })).filter(
        // An unreadable record stays: its user cannot be known (the planner decides what it means).
        (record) =>
          isUnreadable(record) || (record.user === target.name && record.account === request.account),
      )
    : [];
  const plan = planUser(state, request.config, request.clock(), {
    force: Boolean(request.force) && forceStands(state),
    recordsSincePending,
    ...(request.quarantinedAt ? { quarantinedAt: request.quarantinedAt } : {}),
    enrolled: target.enrolled,
  });
  return { state, plan };
}

/**
 * What a read of a user shows that another run's work would change: the keys and their status, the stored key,
 * and the write-ahead marker (a run at work). Two reads with the same value saw the same rotation state.
 */
function keysSeen(state: UserState): string {
  const keys = state.keys.map((key) => `${key.id} ${key.status}`).join(',');
  const pending = state.secret?.pending;
  return `${keys}|stored ${state.secret?.currentKeyId ?? '-'}|marker ${pending ? `${pending.op} ${pending.keyId ?? '-'}` : '-'}`;
}

/**
 * For a dry run that finds a write-ahead marker: whether the run that set it still holds the user's lease
 * (then the marker is its work in progress, not a crash to repair). One line, or null.
 */
async function liveRunOf(
  request: RotateUsersRequest,
  target: TargetUser,
  state: UserState,
): Promise<string | null> {
  const pending = state.secret?.pending;
  if (!pending || !request.lease) return null;
  const current = await request.lease.peek(request.account, target.name);
  const now = (request.wallClock ?? Date.now)();
  if (!current || !leaseIsLive(current, now) || current.token !== pending.token) return null;
  return `another keywarden run (${current.holder}) is working on ${target.name} now (lease until ${current.until.toISOString()}); its ${pending.op} is in progress, not a crash to repair`;
}

const nextOf = (plan: Plan): UserOutcome['next'] =>
  plan.next ? { what: plan.next.what, at: plan.next.at.toISOString() } : null;

/** A user's outcome without execution: its plan, each step reported as skipped. */
const planned = (user: string, plan: Plan, status: UserStatus, reason = plan.reason): UserOutcome =>
  outcome(user, status, reason, stepsOf(plan), asPlanned(plan), nextOf(plan));

const stepsOf = (plan: Plan): PlannedStep[] =>
  plan.actions.map((action) => ({
    kind: action.kind,
    keyId: 'keyId' in action ? action.keyId : null,
    dueAt: action.dueAt.toISOString(),
    reason: action.reason,
  }));

const asPlanned = (plan: Plan): ActionResult[] =>
  plan.actions.map((action) => ({
    kind: action.kind,
    keyId: 'keyId' in action ? action.keyId : null,
    reason: action.reason,
    outcome: 'skipped',
  }));

function outcome(
  user: string,
  status: UserStatus,
  reason: string,
  plan: PlannedStep[],
  actions: ActionResult[],
  next: UserOutcome['next'],
): UserOutcome {
  return { user, status, reason, plan, actions, next };
}

/** A user a run works on, and whether it carries the scope tag (false: a person named a user outside it). */
interface RotationTarget extends TargetUser {
  enrolled: boolean;
}

async function resolveUsers(request: RotateUsersRequest): Promise<RotationTarget[]> {
  const { iam } = request.clients;
  if (request.users !== 'in-scope') {
    const names = [...new Set(request.users)];
    return Promise.all(
      names.map(async (name) => {
        try {
          const { User } = await iam.send(new GetUserCommand({ UserName: name }));
          // Whether the plan, the output and the trail may call this user enrolled, or must say "outside the scope".
          const enrolled = await carriesScopeTag(iam, name, request.config.scope);
          return { name, arn: User?.Arn ?? '', id: User?.UserId ?? '', enrolled };
        } catch (err) {
          if (classifyAwsError(err) === 'not-found') {
            throw new UsageError(`user ${name} does not exist in account ${request.account}`, { cause: err });
          }
          throw new IncompleteError(`cannot read IAM user ${name}: ${describeError(err)}`, { cause: err });
        }
      }),
    );
  }
  const listed: RotationTarget[] = [];
  try {
    for await (const page of paginateListUsers({ client: iam, pageSize: 1000 }, {})) {
      for (const user of page.Users ?? [])
        if (user.UserName)
          listed.push({ name: user.UserName, arn: user.Arn ?? '', id: user.UserId ?? '', enrolled: true });
    }
    const inScope = await mapWithConcurrency(listed, request.concurrency ?? 8, (user) =>
      carriesScopeTag(iam, user.name, request.config.scope),
    );
    return listed.filter((_, index) => inScope[index]);
  } catch (err) {
    throw new IncompleteError(`cannot list the users in rotation scope: ${describeError(err)}`, {
      cause: err,
    });
  }
}

/** Whether the user carries the rotation scope tag (`config.scope`), reading every page of its tags. */
async function carriesScopeTag(iam: IAMClient, name: string, scope: Config['scope']): Promise<boolean> {
  for await (const page of paginateListUserTags({ client: iam }, { UserName: name })) {
    if ((page.Tags ?? []).some((tag) => tag.Key === scope.tagKey && tag.Value === scope.tagValue))
      return true;
  }
  return false;
}

/**
 * One line for a user's failure. An error reply the SDK could not parse (XML where JSON was expected, as
 * some emulators and proxies send for a 403) is still named by its HTTP status.
 */
export function failureLine(err: unknown): string {
  const status = awsHttpStatus(err);
  if (err instanceof Error && err.name === 'SyntaxError' && status !== undefined) {
    return status === 403
      ? 'AccessDenied: AWS answered HTTP 403 (its error reply could not be read)'
      : `AWS answered HTTP ${status} with a reply that could not be read`;
  }
  return describeError(err);
}

/** The violation count from the credential report (a few calls whatever the number of users). */
async function readViolatingKeys(
  iam: IAMClient,
  config: Config,
  asOf: Date,
  users: ReadonlySet<string>,
  timeoutMs: number,
): Promise<number> {
  const report = await fetchCredentialReport(iam, { timeoutMs: Math.max(timeoutMs, 1_000) });
  return countViolatingKeys(report.keys, config, asOf, users);
}
