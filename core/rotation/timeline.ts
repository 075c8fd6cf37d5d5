import type { Config } from '../policy/schema.js';
import { DAY_MS } from '../time.js';
import type { KeyState, SecretState, Stamp } from './state.js';

/**
 * The rotation timeline: when each step of a user's rotation falls due (pure; no clock, no AWS).
 * The planner decides with it and the notices promise with it, so a notice never names a day later than
 * the first instant the planner acts.
 *
 *   create the replacement   stored key's CreateDate + rotateAtDays
 *   deactivate the old key   replacement's CreateDate + deactivateAfterDays
 *   delete the old key       deactivation (as recorded, else as scheduled) + deleteAfterDays
 *   reminder                 due since the stored key was created, until the owner was told about it
 *
 * A key AWS's quarantine is about (`exposedKeys`) does not wait: it is replaced at once whatever its age, and
 * deactivated as soon as its replacement is stored; its deletion keeps the schedule.
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

/** AWS's quarantine of a user as a run knows it. */
export interface Quarantine {
  /** The quarantine policies attached to the user (empty: not quarantined). */
  policies: readonly string[];
  /** When AWS attached one (the CloudTrail event that started the run), if known: IAM does not say. */
  since: Date | null;
}

/**
 * The keys AWS's quarantine is about. AWS attaches its policy to the user, not to a key (the AWS Support case
 * names the key), so every key the user had before keywarden answered the quarantine is treated as exposed; the
 * key keywarden stored in answer (`answered`, its CreateDate) and any later key are not. An answer older than
 * the quarantine (`since`, when known) answered an earlier one and does not count.
 */
export function exposedKeys(
  keys: readonly KeyState[],
  quarantine: Quarantine,
  answered: Stamp | null,
): Set<string> {
  if (quarantine.policies.length === 0) return new Set();
  const answer =
    answered &&
    (quarantine.since === null || answered.at.getTime() >= quarantine.since.getTime() - CLOCK_SKEW_MS)
      ? answered
      : null;
  return new Set(
    keys
      .filter((key) => !answer || (key.id !== answer.keyId && key.createdAt.getTime() < answer.at.getTime()))
      .map((key) => key.id),
  );
}

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
  /** `rotating` is exposed (AWS's quarantine): its replacement is due now, whatever `createReplacementAt` says. */
  replaceAtOnce: boolean;
  /** Keys older than the stored one, with their deactivation and deletion due instants. */
  retiring: RetiringKey[];
  /** The notice of the stored key, when the owner has not been told about it yet (else null). */
  reminderAt: Date | null;
}

/**
 * A user's keys (oldest first) and rotation state × the policy → when each step falls due. `exposed` keys
 * (see `exposedKeys`) are replaced at once and deactivated when their replacement exists.
 */
export function timelineOf(
  keys: readonly KeyState[],
  secret: SecretState | null,
  policy: RotationPolicy,
  exposed: ReadonlySet<string> = new Set(),
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
              : exposed.has(key.id)
                ? stored.createdAt
                : deactivationDue(stored.createdAt, policy);
          return { key, deactivateAt, deleteAt: deletionDue(deactivateAt, policy) };
        })
    : [];
  return {
    stored,
    rotating,
    createReplacementAt: rotating ? replacementDue(rotating.createdAt, policy) : null,
    replaceAtOnce: rotating !== null && exposed.has(rotating.id),
    retiring,
    reminderAt: stored && secret?.notified?.keyId !== stored.id ? stored.createdAt : null,
  };
}
