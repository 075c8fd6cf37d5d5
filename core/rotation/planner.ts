import { activeExemption, type Config } from '../config.js';
import { daysToMs, wholeDaysBetween } from '../time.js';
import type { TrailAction, TrailRecord } from '../trail/index.js';
import type { KeyState, SecretState, Stamp, UserState } from './state.js';

/**
 * One step of a user's rotation, in the order it must run. `reason` is written to the trail as is.
 * - `record`: a mutation a crashed run made without its trail record (outcome "recovered").
 * - `delete-orphan`: a key a crashed run created but never stored: nobody holds its secret.
 * - `settle`: clear the write-ahead marker, keeping what it proved (e.g. when the old key was deactivated).
 * - `delete`: delete an inactive key (end of its grace period, or it holds the slot a replacement needs).
 * - `create`: create the replacement (or first key), store it, notify the owner.
 * - `notify`: tell the owner about the stored key (the notice enforcement waits for).
 * - `deactivate`: deactivate the old key; `enforced` when it is still in use (after notice).
 */
export type PlannedAction =
  | { kind: 'record'; action: TrailAction; keyId: string; reason: string }
  | { kind: 'delete-orphan'; keyId: string; reason: string }
  | { kind: 'settle'; deactivated: Stamp | null; reason: string }
  | { kind: 'delete'; keyId: string; reason: string }
  | { kind: 'create'; replaces: string | null; reason: string }
  | { kind: 'notify'; keyId: string; reason: string }
  | { kind: 'deactivate'; keyId: string; enforced: boolean; reason: string };

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
  /** Trail records of this user since the write-ahead marker (only read when there is one). */
  recordsSincePending?: readonly TrailRecord[];
}

/** A key created this close before a write-ahead marker's time still counts as made after it. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * A step falls due this much early, so that a daily schedule does not slip a whole day because the run
 * that started the clock (e.g. created the replacement) finished a few seconds after its start time.
 */
export const SCHEDULE_SLACK_MS = 60 * 60_000;

const days = daysToMs;
const reached = (now: Date, dueAt: Date) => now.getTime() >= dueAt.getTime() - SCHEDULE_SLACK_MS;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/**
 * A user's keys and rotation state × the policy × now → the ordered actions (pure; clock passed in).
 *
 * Timeline of one rotation (R = rotateAtDays, D = deactivateAfterDays, X = deleteAfterDays):
 *   day R of the old key: create the replacement, store it, notify the owner (the notice)
 *   replacement + D days: deactivate the old key (if still in use: only under `enforce`, after notice)
 *   deactivation + X days: delete the old key
 * The user never holds a third key: a replacement is only created when a slot is free (an inactive key
 * holding it is deleted first), and two active keys that keywarden did not make block the user.
 */
export function planUser(state: UserState, config: Config, now: Date, options: PlanOptions = {}): Plan {
  const exemption = activeExemption(config.exemptions, state.user, state.account, now);
  const recovery = planRecovery(state, options.recordsSincePending ?? []);
  const keys = recovery.keysAfter;
  const secret = recovery.secretAfter;
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
  if (exemption) return result('exempt', `exempt until ${exemption.expiresOn}: ${exemption.reason}`);

  const { rotateAtDays, deactivateAfterDays, deleteAfterDays, enforce } = config.rotation;
  const current = secret?.currentKeyId ? keys.find((key) => key.id === secret.currentKeyId) : undefined;

  if (!current) return planUnmanaged(keys, now, options, rotateAtDays, result);
  if (current.status === 'Inactive') {
    return result(
      'blocked',
      `the stored key ${current.id} is Inactive: someone deactivated it; reactivate or delete it, then run again`,
    );
  }

  const actions: PlannedAction[] = [];
  if (secret?.notified?.keyId !== current.id) {
    actions.push({ kind: 'notify', keyId: current.id, reason: `notice of the stored key ${current.id}` });
  }
  const older = keys.filter((key) => key.id !== current.id && key.createdAt < current.createdAt);
  const newer = keys.filter((key) => key.id !== current.id && key.createdAt >= current.createdAt);

  // Retire the key the stored one replaced.
  for (const old of older) {
    if (old.status === 'Active') {
      const dueAt = new Date(current.createdAt.getTime() + days(deactivateAfterDays));
      if (!reached(now, dueAt)) {
        return result('waiting', `replacement ${current.id} created ${isoDay(current.createdAt)}`, actions, {
          what: `deactivate ${old.id}`,
          at: dueAt,
        });
      }
      const inUse = old.lastUsedAt !== null && old.lastUsedAt > current.createdAt;
      if (!inUse) {
        actions.push({
          kind: 'deactivate',
          keyId: old.id,
          enforced: false,
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
        reason: `deadline reached (replacement ${current.id} created ${isoDay(current.createdAt)}, notice ${isoDay(notice.at)}); still in use, deactivated under enforce`,
      });
      continue;
    }
    const deactivatedAt =
      secret?.deactivated?.keyId === old.id
        ? secret.deactivated.at
        : new Date(current.createdAt.getTime() + days(deactivateAfterDays));
    const deleteAt = new Date(deactivatedAt.getTime() + days(deleteAfterDays));
    if (!reached(now, deleteAt)) {
      return result('waiting', `old key ${old.id} inactive since ${isoDay(deactivatedAt)}`, actions, {
        what: `delete ${old.id}`,
        at: deleteAt,
      });
    }
    actions.push({
      kind: 'delete',
      keyId: old.id,
      reason: `inactive since ${isoDay(deactivatedAt)}, ${wholeDaysBetween(deactivatedAt, now)} days (deleteAfterDays ${deleteAfterDays})`,
    });
  }
  if (actions.some((action) => action.kind === 'deactivate'))
    return result('act', 'retiring the old key', actions);

  // The stored key's own rotation.
  const rotateAt = new Date(current.createdAt.getTime() + days(rotateAtDays));
  if (!options.force && !reached(now, rotateAt)) {
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
  for (const holder of newer) {
    actions.push({
      kind: 'delete',
      keyId: holder.id,
      reason: `inactive key holds the slot the replacement needs`,
    });
  }
  actions.push({
    kind: 'create',
    replaces: current.id,
    reason: options.force
      ? `manual rotation of ${current.id} (${wholeDaysBetween(current.createdAt, now)} days old)`
      : `key ${current.id} is ${wholeDaysBetween(current.createdAt, now)} days old (rotateAtDays ${rotateAtDays})`,
  });
  return result('act', 'rotation due', actions);
}

type Result = (status: PlanStatus, reason: string, actions?: PlannedAction[], next?: Plan['next']) => Plan;

/** No stored key: a first key, the first rotation of a key made before enrolment, or a person must act. */
function planUnmanaged(
  keys: KeyState[],
  now: Date,
  options: PlanOptions,
  rotateAtDays: number,
  result: Result,
): Plan {
  const active = keys.filter((key) => key.status === 'Active');
  const inactive = keys.filter((key) => key.status === 'Inactive');
  if (keys.length === 0) {
    return result('act', 'newly enrolled user with no key', [
      { kind: 'create', replaces: null, reason: 'first key for a newly enrolled user' },
    ]);
  }
  if (active.length === 0) {
    return result(
      'blocked',
      'every key is Inactive: someone disabled this user on purpose; keywarden issues no key',
    );
  }
  const oldest = active[0] as KeyState;
  const rotateAt = new Date(oldest.createdAt.getTime() + days(rotateAtDays));
  if (!options.force && !reached(now, rotateAt)) {
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
  return result('act', 'rotation due', [
    ...inactive.map(
      (key): PlannedAction => ({
        kind: 'delete',
        keyId: key.id,
        reason: 'inactive key holds the slot the replacement needs',
      }),
    ),
    {
      kind: 'create',
      replaces: oldest.id,
      reason: options.force
        ? `manual rotation of ${oldest.id} (${wholeDaysBetween(oldest.createdAt, now)} days old)`
        : `key ${oldest.id} is ${wholeDaysBetween(oldest.createdAt, now)} days old (rotateAtDays ${rotateAtDays})`,
    },
  ]);
}

/**
 * A write-ahead marker means a run stopped between a mutation and its record. Compare IAM with the trail
 * since the marker: write the records that are missing, delete a created key whose secret was never stored,
 * then clear the marker. Returns the state as it will be after these actions.
 */
function planRecovery(
  state: UserState,
  records: readonly TrailRecord[],
): { actions: PlannedAction[]; keysAfter: KeyState[]; secretAfter: SecretState | null } {
  const secret = state.secret;
  const pending = secret?.pending;
  if (!secret || !pending) return { actions: [], keysAfter: state.keys, secretAfter: secret };
  const actions: PlannedAction[] = [];
  const recorded = (action: TrailAction, keyId: string) =>
    records.some(
      (record) => record.action === action && record.accessKeyId === keyId && record.user === state.user,
    );
  const ensure = (action: TrailAction, keyId: string, reason: string) => {
    if (!recorded(action, keyId)) actions.push({ kind: 'record', action, keyId, reason });
  };
  const crashed = `found in AWS without its trail record after an interrupted run (${pending.op} at ${pending.at.toISOString()})`;
  let keys = state.keys;
  let deactivated = secret.deactivated;

  if (pending.op === 'create') {
    const since = pending.at.getTime() - CLOCK_SKEW_MS;
    for (const key of state.keys.filter((k) => k.createdAt.getTime() >= since)) {
      if (key.id === secret.currentKeyId) {
        ensure('key.create', key.id, crashed);
        ensure(
          secret.currentDelivery === 'stdout' ? 'secret.deliver-stdout' : 'secret.store',
          key.id,
          crashed,
        );
      } else if (key.lastUsedAt === null) {
        ensure('key.create', key.id, `created by an interrupted run that never stored its secret`);
        actions.push({
          kind: 'delete-orphan',
          keyId: key.id,
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
    records
      .filter((record) => record.user === state.user && record.action === 'key.create' && record.accessKeyId)
      .map((record) => record.accessKeyId as string),
  );
  if (pending.op === 'delete' && pending.keyId) gone.add(pending.keyId);
  for (const keyId of gone) {
    if (state.keys.some((k) => k.id === keyId)) continue;
    if (!recorded('key.delete', keyId))
      actions.push({ kind: 'record', action: 'key.delete', keyId, reason: crashed });
    if (deactivated?.keyId === keyId) deactivated = null;
  }
  actions.push({ kind: 'settle', deactivated, reason: `clear the write-ahead marker (${pending.op})` });
  return { actions, keysAfter: keys, secretAfter: { ...secret, pending: null, deactivated } };
}
