import type { Config } from '../policy/schema.js';
import { DAY_MS } from '../time.js';
import type { KeyState, SecretState } from './state.js';

/**
 * The rotation timeline: when each step of a user's rotation falls due (pure; no clock, no AWS).
 * The planner decides with it and the notices promise with it, so a notice never names a day later than
 * the first instant the planner acts.
 *
 *   create the replacement   stored key's CreateDate + rotateAtDays
 *   deactivate the old key   replacement's CreateDate + deactivateAfterDays
 *   delete the old key       deactivation (as recorded, else as scheduled) + deleteAfterDays
 *   reminder                 due since the stored key was created, until the owner was told about it
 */

/**
 * A step falls due this much early, so that a daily schedule does not slip a whole day because the run
 * that started the clock (e.g. created the replacement) finished a few seconds after its start time.
 */
export const SCHEDULE_SLACK_MS = 60 * 60_000;

/** A key created this close before a write-ahead marker's time still counts as made after it (clock skew). */
export const CLOCK_SKEW_MS = 5 * 60_000;

export type RotationPolicy = Pick<
  Config['rotation'],
  'rotateAtDays' | 'deactivateAfterDays' | 'deleteAfterDays'
>;

const after = (start: Date, days: number) => new Date(start.getTime() + days * DAY_MS);

/** The first instant at which the planner performs a step due at `dueAt`. */
export function firstActingInstant(dueAt: Date): Date {
  return new Date(dueAt.getTime() - SCHEDULE_SLACK_MS);
}

/** True when a step due at `dueAt` is performed by a run at `now`. */
export function isDue(now: Date, dueAt: Date): boolean {
  return now.getTime() >= firstActingInstant(dueAt).getTime();
}

/**
 * The UTC day a notice may promise for a step due at `dueAt`, told at `toldAt`: the day of the first
 * instant the planner acts (or of the telling, when that instant has already passed).
 */
export function promisedDay(dueAt: Date, toldAt: Date): string {
  const acting = firstActingInstant(dueAt);
  return (acting.getTime() > toldAt.getTime() ? acting : toldAt).toISOString().slice(0, 10);
}

export const replacementDue = (keyCreatedAt: Date, policy: RotationPolicy): Date =>
  after(keyCreatedAt, policy.rotateAtDays);

export const deactivationDue = (replacementCreatedAt: Date, policy: RotationPolicy): Date =>
  after(replacementCreatedAt, policy.deactivateAfterDays);

export const deletionDue = (deactivatedAt: Date, policy: RotationPolicy): Date =>
  after(deactivatedAt, policy.deleteAfterDays);

/** One old key (older than the stored one) and the due instants of its retirement. */
export interface RetiringKey {
  key: KeyState;
  /** When it is (or was) deactivated: the recorded time, else the scheduled one. */
  deactivateAt: Date;
  deleteAt: Date;
}

export interface Timeline {
  /** The key whose secret keywarden stores (null: none yet). */
  stored: KeyState | null;
  /** The key the next replacement replaces: the stored key, else the oldest active key. */
  rotating: KeyState | null;
  /** Create the replacement of `rotating` (null: nothing to replace, e.g. no key at all). */
  createReplacementAt: Date | null;
  /** Keys older than the stored one, with their deactivation and deletion due instants. */
  retiring: RetiringKey[];
  /** The notice of the stored key, when the owner has not been told about it yet (else null). */
  reminderAt: Date | null;
}

/** A user's keys (oldest first) and rotation state × the policy → when each step falls due. */
export function timelineOf(
  keys: readonly KeyState[],
  secret: SecretState | null,
  policy: RotationPolicy,
): Timeline {
  const stored = secret?.currentKeyId ? (keys.find((key) => key.id === secret.currentKeyId) ?? null) : null;
  const rotating = stored ?? keys.find((key) => key.status === 'Active') ?? null;
  const retiring = stored
    ? keys
        .filter((key) => key.id !== stored.id && key.createdAt < stored.createdAt)
        .map((key) => {
          const deactivateAt =
            secret?.deactivated?.keyId === key.id
              ? secret.deactivated.at
              : deactivationDue(stored.createdAt, policy);
          return { key, deactivateAt, deleteAt: deletionDue(deactivateAt, policy) };
        })
    : [];
  return {
    stored,
    rotating,
    createReplacementAt: rotating ? replacementDue(rotating.createdAt, policy) : null,
    retiring,
    reminderAt: stored && secret?.notified?.keyId !== stored.id ? stored.createdAt : null,
  };
}
