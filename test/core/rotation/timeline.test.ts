import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/policy/schema.js';
import {
  firstActingInstant,
  newKeyNotice,
  planUser,
  reminderNotice,
  SCHEDULE_SLACK_MS,
  timelineOf,
} from '../../../core/rotation/index.js';
import type { KeyState, UserState } from '../../../core/rotation/state.js';
import { deactivationDue, exposedKeys } from '../../../core/rotation/timeline.js';
import { DAY_MS } from '../../../core/time.js';

const DAY_START = Date.parse('2026-06-01T00:00:00Z');
const HOUR_MS = 3_600_000;

/** alice after a rotation: the old key (not used since) and the stored replacement created at `created`. */
function rotatedUser(created: Date, notified: boolean): UserState {
  const old: KeyState = {
    id: 'AKIAOLD',
    status: 'Active',
    createdAt: new Date(created.getTime() - 80 * DAY_MS),
    lastUsedAt: new Date(created.getTime() - DAY_MS),
  };
  const replacement: KeyState = { id: 'AKIANEW', status: 'Active', createdAt: created, lastUsedAt: null };
  return {
    account: '123456789012',
    user: 'alice',
    userArn: 'arn:aws:iam::123456789012:user/alice',
    userId: 'AIDAALICE',
    keys: [old, replacement],
    secret: {
      name: 'keywarden/123456789012/alice',
      ownerId: 'AIDAALICE',
      currentKeyId: 'AKIANEW',
      currentDelivery: 'secrets-manager',
      currentVersionId: 'keywarden-key-AKIANEW-----------',
      staged: [],
      pending: null,
      deactivated: null,
      quarantineAnswered: null,
      notified: notified ? { keyId: 'AKIANEW', at: created } : null,
    },
    quarantine: [],
  };
}

const schedule = fc.oneof(
  fc.record({ periodMs: fc.constant(HOUR_MS), offsetMs: fc.integer({ min: 0, max: HOUR_MS - 1 }) }),
  fc.record({ periodMs: fc.constant(DAY_MS), offsetMs: fc.integer({ min: 0, max: DAY_MS - 1 }) }),
);

/** The first scheduled run at or after `from`. */
const nextRun = (from: number, { periodMs, offsetMs }: { periodMs: number; offsetMs: number }) =>
  Math.ceil((from - offsetMs) / periodMs) * periodMs + offsetMs;

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('the rotation timeline', () => {
  it('never promises a day later than the first scheduled run that deactivates the old key', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: DAY_MS - 1 }),
        fc.integer({ min: 1, max: 10 }),
        schedule,
        (createdMs, deactivateAfterDays, runs) => {
          // Prepare
          const config = parseConfig({ rotation: { deactivateAfterDays } }, { asOf: new Date(DAY_START) });
          const created = new Date(DAY_START + createdMs);
          const due = deactivationDue(created, config.rotation);
          const notice = newKeyNotice({
            account: '123456789012',
            user: 'alice',
            keyId: 'AKIANEW',
            secretName: 'keywarden/123456789012/alice',
            delivery: 'secrets-manager',
            oldKey: { id: 'AKIAOLD', deactivateAt: due },
            enforce: true,
            toldAt: created,
          });
          const promised = /on or after (\d{4}-\d{2}-\d{2})/.exec(notice.text)?.[1] as string;

          // Act: the scheduled runs from two days before the due instant, until one deactivates.
          let run = nextRun(due.getTime() - 2 * DAY_MS, runs);
          while (
            !planUser(rotatedUser(created, true), config, new Date(run)).actions.some(
              (action) => action.kind === 'deactivate',
            )
          ) {
            run += runs.periodMs;
          }

          // Assess
          expect(promised <= dayOf(run)).toBe(true);
          expect(promised <= dayOf(firstActingInstant(due).getTime())).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('acts from the first acting instant and not a millisecond before it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: DAY_MS - 1 }), (createdMs) => {
        // Prepare
        const config = parseConfig({}, { asOf: new Date(DAY_START) });
        const created = new Date(DAY_START + createdMs);
        const acting = firstActingInstant(deactivationDue(created, config.rotation)).getTime();
        const deactivates = (at: number) =>
          planUser(rotatedUser(created, true), config, new Date(at)).actions.some(
            (action) => action.kind === 'deactivate',
          );

        // Assess
        expect(deactivates(acting - 1)).toBe(false);
        expect(deactivates(acting)).toBe(true);
      }),
    );
  });

  it('gives the reminder the deadline the planner keeps', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: DAY_MS - 1 }),
        fc.integer({ min: 0, max: 6 * DAY_MS }),
        (createdMs, laterMs) => {
          // Prepare: the owner was never told; a run some time later plans the reminder.
          const config = parseConfig({}, { asOf: new Date(DAY_START) });
          const created = new Date(DAY_START + createdMs);
          const now = new Date(created.getTime() + laterMs);

          // Act
          const plan = planUser(rotatedUser(created, false), config, now);
          const notify = plan.actions.find((action) => action.kind === 'notify');
          if (notify?.kind !== 'notify') throw new Error('no reminder planned');
          const notice = reminderNotice({
            account: '123456789012',
            user: 'alice',
            keyId: notify.keyId,
            secretName: 'keywarden/123456789012/alice',
            delivery: notify.delivery,
            oldKey: notify.oldKey,
            enforce: true,
            toldAt: now,
          });

          // Assess
          const promised = /on or after (\d{4}-\d{2}-\d{2})/.exec(notice.text)?.[1] as string;
          const acting = firstActingInstant(deactivationDue(created, config.rotation));
          expect(notify.dueAt).toEqual(created);
          expect(promised <= dayOf(Math.max(acting.getTime(), now.getTime()))).toBe(true);
        },
      ),
    );
  });

  it('names the due instant of each step from the keys, the state and the policy', () => {
    // Prepare
    const config = parseConfig({}, { asOf: new Date(DAY_START) });
    const created = new Date('2026-06-01T00:30:00Z');
    const user = rotatedUser(created, false);

    // Act
    const timeline = timelineOf(user.keys, user.secret, config.rotation);

    // Assess
    expect(timeline).toEqual({
      stored: user.keys[1],
      rotating: user.keys[1],
      createReplacementAt: new Date('2026-08-20T00:30:00Z'),
      replaceAtOnce: false,
      retiring: [
        {
          key: user.keys[0],
          deactivateAt: new Date('2026-06-08T00:30:00Z'),
          deleteAt: new Date('2026-06-15T00:30:00Z'),
        },
      ],
      reminderAt: created,
    });
    expect(SCHEDULE_SLACK_MS).toBe(HOUR_MS);
  });
});

describe('the keys AWS quarantine is about', () => {
  const at = (iso: string) => new Date(iso);
  const keys: KeyState[] = [
    { id: 'OLD', status: 'Inactive', createdAt: at('2026-01-01T00:00:00Z'), lastUsedAt: null },
    { id: 'EXPOSED', status: 'Active', createdAt: at('2026-03-01T00:00:00Z'), lastUsedAt: null },
    { id: 'ANSWER', status: 'Active', createdAt: at('2026-05-01T10:00:00Z'), lastUsedAt: null },
  ];
  const quarantine = { policies: ['AWSCompromisedKeyQuarantineV3'], since: null };
  const answer = { keyId: 'ANSWER', at: at('2026-05-01T10:00:00Z') };

  it('is none when the user is not quarantined', () => {
    expect(exposedKeys(keys, { policies: [], since: null }, answer)).toEqual(new Set());
  });

  it('is every key before keywarden answered: IAM names the user, not the key', () => {
    expect(exposedKeys(keys, quarantine, null)).toEqual(new Set(['OLD', 'EXPOSED', 'ANSWER']));
  });

  it('leaves out the key stored in answer and every later key', () => {
    const later: KeyState = {
      id: 'LATER',
      status: 'Active',
      createdAt: at('2026-07-01T00:00:00Z'),
      lastUsedAt: null,
    };

    expect(exposedKeys([...keys, later], quarantine, answer)).toEqual(new Set(['OLD', 'EXPOSED']));
  });

  it('ignores an answer older than the quarantine the run was started by', () => {
    const newer = { ...quarantine, since: at('2026-06-01T00:00:00Z') };

    expect(exposedKeys(keys, newer, answer)).toEqual(new Set(['OLD', 'EXPOSED', 'ANSWER']));
  });
});
