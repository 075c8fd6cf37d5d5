import { activeExemption } from '../policy/exemption.js';
import type { Config } from '../policy/schema.js';
import { addDays, wholeDaysBetween } from '../time.js';
import { isUnreadable, type StoredRecord, type TrailAction, type TrailRecord } from '../trail/record.js';
import {
  type Delivery,
  type KeyState,
  ownerBindingOf,
  PENDING_STAGE,
  type SecretState,
  STATE_TAGS,
  type Stamp,
  type UserState,
} from './state.js';
import {
  CLOCK_SKEW_MS,
  exposedKeys,
  isDue,
  type Quarantine,
  type RotationPolicy,
  replacementDue,
  timelineOf,
} from './timeline.js';

/**
 * One step of a user's rotation, in the order it must run. `reason` is written to the trail as is.
 * - `record`: a mutation a crashed run made without its trail record (outcome "recovered").
 * - `delete-orphan`: a key a crashed run created but never stored: nobody holds its secret.
 * - `promote`: a key a crashed run wrote to the secret under its own stage but never made current: the
 *   compare-and-swap it did not make (never deleted: the secret holds it).
 * - `settle`: clear the write-ahead marker, keeping what it proved (e.g. when the old key was deactivated).
 * - `delete`: delete an inactive key (end of its grace period, or it holds the slot a replacement needs).
 * - `create`: create the replacement (or first key), store it, notify the owner.
 * - `notify`: tell the owner about the stored key (the notice enforcement waits for).
 * - `deactivate`: deactivate the old key; `enforced` when it is still in use (after notice).
 * - `forget-quarantine`: the user is no longer quarantined: forget keywarden's answer, so that a later
 *   quarantine is answered again.
 *
 * A `create` with `answersQuarantine` replaces a key AWS's quarantine is about: the executor records the new key
 * as the answer (STATE_TAGS.quarantineAnswered) and the notice says why the old key goes at once.
 */
export type PlannedAction = (
  | { kind: 'record'; action: TrailAction; keyId: string }
  | { kind: 'delete-orphan'; keyId: string }
  | { kind: 'promote'; keyId: string; delivery: Delivery }
  | { kind: 'settle'; deactivated: Stamp | null }
  | { kind: 'delete'; keyId: string }
  | { kind: 'create'; replaces: string | null; answersQuarantine?: readonly string[] }
  | {
      kind: 'notify';
      keyId: string;
      /** Where the stored key's secret went (the notice says where to find it). */
      delivery: Delivery;
      /** The key it replaces, still active, and when that one is deactivated (the reminder's deadline). */
      oldKey: { id: string; deactivateAt: Date } | null;
    }
  | { kind: 'deactivate'; keyId: string; enforced: boolean }
  | { kind: 'forget-quarantine' }
) & {
  /** When the step fell due (timeline.ts); repairs, first keys and manual rotations are due at once. */
  dueAt: Date;
  reason: string;
};

/**
 * - `act`: there is something to do now.
 * - `waiting`: nothing due; `next` says what happens when.
 * - `blocked`: a person must act first (`reason` says what); keywarden changes nothing.
 * - `exempt`: the user has an unexpired exemption.
 */
export type PlanStatus = 'act' | 'waiting' | 'blocked' | 'exempt';

export interface Plan {
  user: string;
  status: PlanStatus;
  actions: PlannedAction[];
  reason: string;
  next: { what: string; at: Date } | null;
}

export interface PlanOptions {
  /** Manual rotation: create the replacement now, whatever the key's age. */
  force?: boolean;
  /**
   * Trail records of this user since the write-ahead marker (only read when there is one), and every
   * unreadable record stored since then (its user cannot be known): recovery needs to know what is recorded.
   */
  recordsSincePending?: readonly StoredRecord[];
  /** When AWS attached its quarantine policy, if the run knows (the CloudTrail event that started it). */
  quarantinedAt?: Date;
  /**
   * Whether the user carries the rotation scope tag (default true: the scheduled run rotates only those). A
   * person may rotate a user outside the scope by name; the plan, the output and the trail then say so.
   */
  enrolled?: boolean;
}

/** "; the user is outside the rotation scope (not tagged K=V)" for a manual rotation of a user not enrolled. */
function outsideScope(options: PlanOptions, config: Config): string {
  return options.enrolled === false
    ? ` (a manual rotation of a user outside the rotation scope: not tagged ${config.scope.tagKey}=${config.scope.tagValue})`
    : '';
}

const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/**
 * A user's keys and rotation state × the policy × now → the ordered actions (pure; clock passed in).
 * When each step falls due comes from `timelineOf` (timeline.ts); every action carries its due instant.
 * The user never holds a third key: a replacement is only created when a slot is free (an inactive key
 * holding it is deleted first), and two active keys that keywarden did not make block the user.
 */
export function planUser(state: UserState, config: Config, now: Date, options: PlanOptions = {}): Plan {
  // Checked before anything, repairs included: a secret bound to another user, or to nobody keywarden can
  // verify (an empty owner tag), is never written to.
  const ownership = ownershipProblem(state.secret, state.user, state.userId);
  if (ownership) return { user: state.user, status: 'blocked', actions: [], reason: ownership, next: null };
  const recovery = planRecovery(state, options.recordsSincePending ?? [], now);
  if ('blocked' in recovery)
    return { user: state.user, status: 'blocked', actions: [], reason: recovery.blocked, next: null };
  const result = (
    status: PlanStatus,
    reason: string,
    actions: PlannedAction[] = [],
    next: Plan['next'] = null,
  ) => {
    const all = [...recovery.actions, ...actions];
    return {
      user: state.user,
      status: all.length > 0 && status === 'waiting' ? 'act' : status,
      actions: all,
      reason,
      next,
    } satisfies Plan;
  };
  const keys = recovery.keysAfter;
  const secret = recovery.secretAfter;
  const quarantine: Quarantine = { policies: state.quarantine, since: options.quarantinedAt ?? null };
  const exposed = exposedKeys(keys, quarantine, secret?.quarantineAnswered ?? null);
  // An exemption approves keeping a secret key longer; a key AWS found exposed is no longer secret.
  const exposedActive = keys.some((key) => key.status === 'Active' && exposed.has(key.id));
  const exemption = activeExemption(config.exemptions, state.user, state.account, now);
  if (exemption && !exposedActive)
    return result('exempt', `exempt until ${exemption.expiresOn}: ${exemption.reason}`);
  if (state.quarantine.length === 0 && secret?.quarantineAnswered) {
    recovery.actions.push({
      kind: 'forget-quarantine',
      dueAt: now,
      reason: `${state.user} is no longer quarantined by AWS: forget the answer ${secret.quarantineAnswered.keyId}`,
    });
  }

  const { deactivateAfterDays, deleteAfterDays, enforce } = config.rotation;
  const timeline = timelineOf(keys, secret, config.rotation, exposed);
  const current = timeline.stored;

  if (!current)
    return planUnmanaged(state.user, keys, now, options, config, result, {
      exposed,
      policies: state.quarantine,
    });
  if (current.status === 'Inactive') {
    return result(
      'blocked',
      `the stored key ${current.id} is Inactive: someone deactivated it; reactivate or delete it, then run again`,
    );
  }

  const actions: PlannedAction[] = [];
  if (timeline.reminderAt) {
    const old = timeline.retiring.find((retiring) => retiring.key.status === 'Active');
    actions.push({
      kind: 'notify',
      keyId: current.id,
      delivery: secret?.currentDelivery ?? 'secrets-manager',
      oldKey: old ? { id: old.key.id, deactivateAt: old.deactivateAt } : null,
      dueAt: timeline.reminderAt,
      reason: `notice of the stored key ${current.id}`,
    });
  }
  const newer = keys.filter((key) => key.id !== current.id && key.createdAt >= current.createdAt);

  // The stored key is exposed: it is replaced in this run, so every older key gives up its slot now.
  const atOnce = timeline.replaceAtOnce;

  // Retire the key the stored one replaced.
  for (const { key: old, deactivateAt, deleteAt } of timeline.retiring) {
    if (old.status === 'Active' && exposed.has(old.id)) {
      // Whatever its use, enforce or deactivateAfterDays: its replacement (the stored key) already exists.
      actions.push({
        kind: 'deactivate',
        keyId: old.id,
        enforced: old.lastUsedAt !== null && old.lastUsedAt > current.createdAt,
        dueAt: now,
        reason: `${mayBeExposed(state.user, state.quarantine, old.id)}; deactivated at once (replaced by ${current.id})`,
      });
      if (atOnce)
        actions.push({
          kind: 'delete',
          keyId: old.id,
          dueAt: now,
          reason: `holds the slot the replacement of the exposed stored key ${current.id} needs`,
        });
      continue;
    }
    if (old.status === 'Inactive' && atOnce) {
      actions.push({
        kind: 'delete',
        keyId: old.id,
        dueAt: now,
        reason: `inactive key holds the slot the replacement of the exposed stored key ${current.id} needs`,
      });
      continue;
    }
    if (old.status === 'Active') {
      if (!isDue(now, deactivateAt)) {
        return result('waiting', `replacement ${current.id} created ${isoDay(current.createdAt)}`, actions, {
          what: `deactivate ${old.id}`,
          at: deactivateAt,
        });
      }
      const inUse = old.lastUsedAt !== null && old.lastUsedAt > current.createdAt;
      if (!inUse) {
        actions.push({
          kind: 'deactivate',
          keyId: old.id,
          enforced: false,
          dueAt: deactivateAt,
          reason: `replaced by ${current.id} ${wholeDaysBetween(current.createdAt, now)} days ago (deactivateAfterDays ${deactivateAfterDays}); not used since`,
        });
        continue;
      }
      const notice = secret?.notified?.keyId === current.id ? secret.notified : null;
      if (!notice) {
        return result(
          'act',
          `old key ${old.id} still in use; notice first, deactivation on a later run`,
          actions,
        );
      }
      if (!enforce) {
        return result(
          'blocked',
          `old key ${old.id} still in use ${wholeDaysBetween(current.createdAt, now)} days after its replacement and enforce is off: the owner must switch to ${current.id}`,
          actions,
        );
      }
      actions.push({
        kind: 'deactivate',
        keyId: old.id,
        enforced: true,
        dueAt: deactivateAt,
        reason: `deadline reached (replacement ${current.id} created ${isoDay(current.createdAt)}, notice ${isoDay(notice.at)}); still in use, deactivated under enforce`,
      });
      continue;
    }
    if (!isDue(now, deleteAt)) {
      return result('waiting', `old key ${old.id} inactive since ${isoDay(deactivateAt)}`, actions, {
        what: `delete ${old.id}`,
        at: deleteAt,
      });
    }
    actions.push({
      kind: 'delete',
      keyId: old.id,
      dueAt: deleteAt,
      reason: `inactive since ${isoDay(deactivateAt)}, ${wholeDaysBetween(deactivateAt, now)} days (deleteAfterDays ${deleteAfterDays})`,
    });
  }
  const deactivated = actions.find((action) => action.kind === 'deactivate');
  if (!atOnce && deactivated && 'keyId' in deactivated)
    return result('act', 'retiring the old key', actions, {
      what: `delete ${deactivated.keyId}`,
      at: addDays(now, deleteAfterDays),
    });

  // The stored key's own rotation.
  const rotateAt = timeline.createReplacementAt ?? replacementDue(current.createdAt, config.rotation);
  if (!atOnce && !options.force && !isDue(now, rotateAt)) {
    return result(
      'waiting',
      `stored key ${current.id} is ${wholeDaysBetween(current.createdAt, now)} days old`,
      actions,
      {
        what: `rotate ${current.id}`,
        at: rotateAt,
      },
    );
  }
  const activeNewer = newer.filter((key) => key.status === 'Active');
  if (activeNewer.length > 0) {
    return result(
      'blocked',
      `a second active key ${activeNewer.map((k) => k.id).join(', ')} was made outside keywarden; delete the one not in use, then run again`,
      actions,
    );
  }
  const dueAt = options.force || atOnce ? now : rotateAt;
  for (const holder of newer) {
    actions.push({
      kind: 'delete',
      keyId: holder.id,
      dueAt,
      reason: `inactive key holds the slot the replacement needs`,
    });
  }
  if (atOnce) {
    actions.push(
      ...replaceExposed(
        current,
        now,
        state.quarantine,
        mayBeExposed(state.user, state.quarantine, current.id),
      ),
    );
    return result('act', replacingAtOnce(state.user, state.quarantine, current.id), actions);
  }
  actions.push({
    kind: 'create',
    replaces: current.id,
    dueAt,
    reason: options.force
      ? `manual rotation of ${current.id} (${wholeDaysBetween(current.createdAt, now)} days old)${outsideScope(options, config)}`
      : `key ${current.id} is ${wholeDaysBetween(current.createdAt, now)} days old (rotateAtDays ${config.rotation.rotateAtDays})`,
  });
  return result(
    'act',
    options.force ? `manual rotation${outsideScope(options, config)}` : 'rotation due',
    actions,
    afterReplacement(current.id, now, config.rotation),
  );
}

/** What falls due once a replacement of `oldKeyId` is made now: the old key's deactivation (timeline.ts). */
function afterReplacement(oldKeyId: string, now: Date, policy: RotationPolicy): Plan['next'] {
  return { what: `deactivate ${oldKeyId}`, at: addDays(now, policy.deactivateAfterDays) };
}

/**
 * An exposed key's replacement, then its deactivation in the same run: the executor stops at a create it could
 * not finish (blocked, or the secret not stored), so the key is never deactivated before the new one is stored.
 * Its deletion keeps the schedule (deleteAfterDays from this deactivation).
 */
function replaceExposed(key: KeyState, now: Date, policies: readonly string[], why: string): PlannedAction[] {
  return [
    {
      kind: 'create',
      replaces: key.id,
      answersQuarantine: policies,
      dueAt: now,
      reason: `${why}; replaced at once (${wholeDaysBetween(key.createdAt, now)} days old)`,
    },
    {
      kind: 'deactivate',
      keyId: key.id,
      enforced: false,
      dueAt: now,
      reason: `${why}; deactivated as soon as its replacement was stored`,
    },
  ];
}

/**
 * Why keywarden must not write to the user's secret, or null when it may (bound to the user, or not bound
 * yet). A secret tagged with another unique ID belongs to a deleted user of the same name: the re-created
 * user must not inherit it. A secret whose owner tag is empty is bound to nobody keywarden can verify, and
 * the role can no longer bind it (see `ownerBindingOf`). Either way a person must act; keywarden writes nothing.
 */
export function ownershipProblem(
  secret: Pick<SecretState, 'name' | 'ownerId'> | null,
  user: string,
  userId: string,
): string | null {
  if (!secret) return null;
  const { name, ownerId } = secret;
  switch (ownerBindingOf(ownerId, userId)) {
    case 'unbound':
    case 'owner':
      return null;
    case 'other':
      return (
        `${name} belongs to an earlier user of this name (unique ID ${ownerId}; ${user} is now ${userId}): ` +
        `keywarden does not write to it; check who still uses its key, then delete it ` +
        `(aws secretsmanager delete-secret --secret-id ${name}) and run again`
      );
    case 'unverifiable':
      return (
        `${name}: its ${STATE_TAGS.ownerId} tag is empty, so it is bound to no user keywarden can verify, and ` +
        `keywarden may not bind it now: it writes nothing to it. Check its resource policy and stored key, then ` +
        `either remove the tag (aws secretsmanager untag-resource --secret-id ${name} --tag-keys ${STATE_TAGS.ownerId}) ` +
        `so that the next run binds it to ${user} (${userId}), or delete it ` +
        `(aws secretsmanager delete-secret --secret-id ${name}), and run again`
      );
  }
}

/** Why a key made before keywarden answered AWS's quarantine of the user is replaced. */
const mayBeExposed = (user: string, policies: readonly string[], keyId: string) =>
  `AWS quarantined ${user} (${policies.join(', ')}): ${keyId} predates keywarden's answer, so it may be the key AWS found exposed`;

/** The plan's reason when such a key is replaced in this run. */
const replacingAtOnce = (user: string, policies: readonly string[], keyId: string) =>
  `AWS quarantined ${user} (${policies.join(', ')}): replacing ${keyId} at once`;

type Result = (status: PlanStatus, reason: string, actions?: PlannedAction[], next?: Plan['next']) => Plan;

/** No stored key: a first key, the first rotation of a key made before enrolment, or a person must act. */
function planUnmanaged(
  user: string,
  keys: KeyState[],
  now: Date,
  options: PlanOptions,
  config: Config,
  result: Result,
  quarantine: { exposed: ReadonlySet<string>; policies: readonly string[] },
): Plan {
  const policy = config.rotation;
  const active = keys.filter((key) => key.status === 'Active');
  const inactive = keys.filter((key) => key.status === 'Inactive');
  if (keys.length === 0) {
    const firstRotation = { what: 'rotate the new key', at: addDays(now, policy.rotateAtDays) };
    // A trail record is permanent: a user outside the scope is not "newly enrolled", whoever rotates it.
    if (options.enrolled === false) {
      const why = `a manual rotation of a user outside the rotation scope (not tagged ${config.scope.tagKey}=${config.scope.tagValue})`;
      return result(
        'act',
        `no key; ${why}`,
        [{ kind: 'create', replaces: null, dueAt: now, reason: `first key of ${user}, ${why}` }],
        firstRotation,
      );
    }
    return result(
      'act',
      'newly enrolled user with no key',
      [{ kind: 'create', replaces: null, dueAt: now, reason: 'first key for a newly enrolled user' }],
      firstRotation,
    );
  }
  const [oldest] = active;
  if (!oldest) {
    return result(
      'blocked',
      'every key is Inactive: someone disabled this user on purpose; keywarden issues no key',
    );
  }
  // The oldest active key is the one the next replacement replaces (timelineOf's `rotating`).
  const rotateAt = replacementDue(oldest.createdAt, policy);
  const atOnce = quarantine.exposed.has(oldest.id);
  if (atOnce && active.length > 1) {
    return result(
      'blocked',
      `AWS quarantined ${user} (${quarantine.policies.join(', ')}) and both active keys (${active.map((k) => k.id).join(', ')}) predate it; keywarden cannot tell which one AWS found and stores neither: delete the one the AWS Support case names, then run again`,
    );
  }
  if (atOnce) {
    const why = mayBeExposed(user, quarantine.policies, oldest.id);
    return result('act', replacingAtOnce(user, quarantine.policies, oldest.id), [
      ...inactive.map(
        (key): PlannedAction => ({
          kind: 'delete',
          keyId: key.id,
          dueAt: now,
          reason: 'inactive key holds the slot the replacement needs',
        }),
      ),
      ...replaceExposed(oldest, now, quarantine.policies, why),
    ]);
  }
  if (!options.force && !isDue(now, rotateAt)) {
    return result('waiting', `key ${oldest.id} is ${wholeDaysBetween(oldest.createdAt, now)} days old`, [], {
      what: `rotate ${oldest.id}`,
      at: rotateAt,
    });
  }
  if (active.length > 1) {
    return result(
      'blocked',
      `two active keys (${active.map((k) => k.id).join(', ')}) and neither is stored by keywarden; delete the one not in use, then run again`,
    );
  }
  const dueAt = options.force ? now : rotateAt;
  return result(
    'act',
    options.force ? `manual rotation${outsideScope(options, config)}` : 'rotation due',
    [
      ...inactive.map(
        (key): PlannedAction => ({
          kind: 'delete',
          keyId: key.id,
          dueAt,
          reason: 'inactive key holds the slot the replacement needs',
        }),
      ),
      {
        kind: 'create',
        replaces: oldest.id,
        dueAt,
        reason: options.force
          ? `manual rotation of ${oldest.id} (${wholeDaysBetween(oldest.createdAt, now)} days old)${outsideScope(options, config)}`
          : `key ${oldest.id} is ${wholeDaysBetween(oldest.createdAt, now)} days old (rotateAtDays ${policy.rotateAtDays})`,
      },
    ],
    afterReplacement(oldest.id, now, policy),
  );
}

/**
 * A write-ahead marker means a run stopped between a mutation and its record. Compare IAM with the trail
 * since the marker: write the records that are missing, delete a created key whose secret was never stored,
 * then clear the marker. Returns the state as it will be after these actions.
 */
function planRecovery(
  state: UserState,
  stored: readonly StoredRecord[],
  now: Date,
):
  | { actions: PlannedAction[]; keysAfter: KeyState[]; secretAfter: SecretState | null }
  | { blocked: string } {
  const secret = state.secret;
  const pending = secret?.pending;
  if (!secret || !pending) return { actions: [], keysAfter: state.keys, secretAfter: secret };
  // Whether a mutation of the interrupted run is recorded is what recovery decides on: an unreadable record
  // since its marker could be that record, so nothing is repaired (or repeated) until a person looks.
  const unreadable = stored.filter(isUnreadable);
  if (unreadable.length > 0) {
    const first = unreadable[0];
    return {
      blocked: `a run was interrupted (${pending.op} at ${pending.at.toISOString()}) and the trail since then holds ${unreadable.length === 1 ? 'an unreadable record' : `${unreadable.length} unreadable records`} (${first?.location}: ${first?.problem}), so keywarden cannot tell what is recorded; run keywarden trail verify and restore the trail, then run again`,
    };
  }
  const records = stored.filter((record): record is TrailRecord => !isUnreadable(record));
  const actions: PlannedAction[] = [];
  const recorded = (action: TrailAction, keyId: string) =>
    records.some(
      (record) => record.action === action && record.accessKeyId === keyId && record.user === state.user,
    );
  const ensure = (action: TrailAction, keyId: string, reason: string) => {
    if (!recorded(action, keyId)) actions.push({ kind: 'record', action, keyId, dueAt: now, reason });
  };
  const crashed = `found in AWS without its trail record after an interrupted run (${pending.op} at ${pending.at.toISOString()})`;
  let keys = state.keys;
  let deactivated = secret.deactivated;

  let secretAfter: SecretState = secret;
  if (pending.op === 'create') {
    const since = pending.at.getTime() - CLOCK_SKEW_MS;
    for (const key of state.keys.filter((k) => k.createdAt.getTime() >= since)) {
      const staged = secret.staged.find((version) => version.keyId === key.id);
      if (key.id === secret.currentKeyId) {
        ensure('key.create', key.id, crashed);
        ensure(
          secret.currentDelivery === 'stdout' ? 'secret.deliver-stdout' : 'secret.store',
          key.id,
          crashed,
        );
      } else if (staged?.stages.includes(PENDING_STAGE) && secretAfter.currentKeyId === secret.currentKeyId) {
        ensure('key.create', key.id, crashed);
        actions.push({
          kind: 'promote',
          keyId: key.id,
          delivery: staged.delivery,
          dueAt: now,
          reason: `written to ${secret.name} by an interrupted run (${pending.op} at ${pending.at.toISOString()}) that did not make it current; made current now`,
        });
        secretAfter = { ...secretAfter, currentKeyId: key.id, currentDelivery: staged.delivery };
      } else if (staged) {
        // The secret holds this key under some stage: never deleted as an orphan.
      } else if (key.lastUsedAt === null) {
        ensure('key.create', key.id, `created by an interrupted run that never stored its secret`);
        actions.push({
          kind: 'delete-orphan',
          keyId: key.id,
          dueAt: now,
          reason: 'its secret was never stored: nobody can use it',
        });
        keys = keys.filter((k) => k.id !== key.id);
      }
    }
  }
  if (pending.op === 'deactivate' && pending.keyId) {
    const key = state.keys.find((k) => k.id === pending.keyId);
    if (key?.status === 'Inactive') {
      ensure('key.deactivate', key.id, crashed);
      deactivated = { keyId: key.id, at: pending.at };
    }
  }
  // A key the trail says was created (or was pending deletion) that IAM no longer has: its deletion is unrecorded.
  const gone = new Set(
    records.flatMap((record) =>
      record.user === state.user && record.action === 'key.create' && record.accessKeyId
        ? [record.accessKeyId]
        : [],
    ),
  );
  if (pending.op === 'delete' && pending.keyId) gone.add(pending.keyId);
  for (const keyId of gone) {
    if (state.keys.some((k) => k.id === keyId)) continue;
    if (!recorded('key.delete', keyId))
      actions.push({ kind: 'record', action: 'key.delete', keyId, dueAt: now, reason: crashed });
    if (deactivated?.keyId === keyId) deactivated = null;
  }
  actions.push({
    kind: 'settle',
    deactivated,
    dueAt: now,
    reason: `clear the write-ahead marker (${pending.op})`,
  });
  return { actions, keysAfter: keys, secretAfter: { ...secretAfter, pending: null, deactivated } };
}
