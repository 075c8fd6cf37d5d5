import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/policy/schema.js';
import { type PlannedAction, planUser } from '../../../core/rotation/planner.js';
import type { KeyState, SecretState, UserState } from '../../../core/rotation/state.js';
import { DAY_MS } from '../../../core/time.js';
import type { TrailRecord } from '../../../core/trail/index.js';

const now = new Date('2026-06-01T12:00:00Z');
const config = parseConfig({}, { asOf: now });
const daysAgo = (n: number) => new Date(now.getTime() - n * DAY_MS);

const key = (id: string, ageDays: number, extra: Partial<KeyState> = {}): KeyState => ({
  id,
  status: 'Active',
  createdAt: daysAgo(ageDays),
  lastUsedAt: null,
  ...extra,
});
const secret = (extra: Partial<SecretState> = {}): SecretState => ({
  name: 'keywarden/123456789012/alice',
  ownerId: 'AIDAALICE',
  currentKeyId: null,
  currentDelivery: 'secrets-manager',
  currentVersionId: null,
  staged: [],
  pending: null,
  deactivated: null,
  notified: null,
  quarantineAnswered: null,
  ...extra,
});
const user = (keys: KeyState[], stored: SecretState | null = null): UserState => ({
  account: '123456789012',
  user: 'alice',
  userArn: 'arn:aws:iam::123456789012:user/alice',
  userId: 'AIDAALICE',
  keys,
  secret: stored,
  quarantine: [],
});
const kinds = (actions: PlannedAction[]) =>
  actions.map((a) => `${a.kind}${'keyId' in a ? ` ${a.keyId}` : ''}`);

describe('planUser', () => {
  it('waits while the only key is younger than rotateAtDays, naming the day it rotates', () => {
    const plan = planUser(user([key('OLD', 79)]), config, now);
    expect(plan).toMatchObject({ status: 'waiting', actions: [] });
    expect(plan.next?.what).toBe('rotate OLD');
    expect(plan.next?.at.toISOString()).toBe(new Date(daysAgo(79).getTime() + 80 * DAY_MS).toISOString());
  });

  it('creates a replacement at rotateAtDays', () => {
    const plan = planUser(user([key('OLD', 80)]), config, now);
    expect(plan.status).toBe('act');
    expect(plan.actions).toEqual([
      {
        kind: 'create',
        replaces: 'OLD',
        dueAt: new Date(daysAgo(80).getTime() + 80 * DAY_MS),
        reason: expect.stringContaining('80 days old'),
      },
    ]);
  });

  it('issues a first key to an enrolled user with none', () => {
    expect(kinds(planUser(user([]), config, now).actions)).toEqual(['create']);
  });

  it('leaves a user whose every key is inactive alone', () => {
    const plan = planUser(user([key('OFF', 100, { status: 'Inactive' })]), config, now);
    expect(plan).toMatchObject({ status: 'blocked', actions: [] });
  });

  it('deletes an inactive key holding the slot before creating the replacement', () => {
    const plan = planUser(user([key('OFF', 120, { status: 'Inactive' }), key('OLD', 85)]), config, now);
    expect(kinds(plan.actions)).toEqual(['delete OFF', 'create']);
  });

  it('refuses to choose between two active keys keywarden did not make', () => {
    const plan = planUser(user([key('A', 85), key('B', 10)]), config, now);
    expect(plan.status).toBe('blocked');
    expect(plan.actions).toEqual([]);
    expect(plan.reason).toContain('two active keys');
  });

  it('blocks when a person made a second active key beside the stored one', () => {
    const stored = secret({ currentKeyId: 'KW', notified: { keyId: 'KW', at: daysAgo(81) } });
    const plan = planUser(user([key('KW', 81), key('MINE', 3)], stored), config, now);
    expect(plan).toMatchObject({ status: 'blocked', actions: [] });
  });

  it('deactivates the old key deactivateAfterDays after the replacement when it is no longer used', () => {
    const stored = secret({ currentKeyId: 'NEW', notified: { keyId: 'NEW', at: daysAgo(7) } });
    const plan = planUser(
      user([key('OLD', 87, { lastUsedAt: daysAgo(8) }), key('NEW', 7)], stored),
      config,
      now,
    );
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: 'deactivate', keyId: 'OLD', enforced: false }),
    ]);
  });

  it('waits before deactivateAfterDays', () => {
    const stored = secret({ currentKeyId: 'NEW', notified: { keyId: 'NEW', at: daysAgo(6) } });
    const plan = planUser(user([key('OLD', 86), key('NEW', 6)], stored), config, now);
    expect(plan).toMatchObject({ status: 'waiting', next: { what: 'deactivate OLD' } });
  });

  it('deactivates a key still in use at the deadline under enforce, after notice', () => {
    const stored = secret({ currentKeyId: 'NEW', notified: { keyId: 'NEW', at: daysAgo(7) } });
    const plan = planUser(
      user([key('OLD', 87, { lastUsedAt: daysAgo(1) }), key('NEW', 7)], stored),
      config,
      now,
    );
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: 'deactivate', keyId: 'OLD', enforced: true }),
    ]);
  });

  it('gives notice first and deactivates nothing when the notice was never given', () => {
    const stored = secret({ currentKeyId: 'NEW' });
    const plan = planUser(
      user([key('OLD', 87, { lastUsedAt: daysAgo(1) }), key('NEW', 7)], stored),
      config,
      now,
    );
    expect(kinds(plan.actions)).toEqual(['notify NEW']);
  });

  it('keeps a key still in use when enforce is off, and says a person must act', () => {
    const lenient = parseConfig({ rotation: { enforce: false } }, { asOf: now });
    const stored = secret({ currentKeyId: 'NEW', notified: { keyId: 'NEW', at: daysAgo(7) } });
    const plan = planUser(
      user([key('OLD', 87, { lastUsedAt: daysAgo(1) }), key('NEW', 7)], stored),
      lenient,
      now,
    );
    expect(plan).toMatchObject({ status: 'blocked', actions: [] });
    expect(plan.reason).toContain('enforce is off');
  });

  it('deletes the old key deleteAfterDays after keywarden deactivated it', () => {
    const stored = secret({
      currentKeyId: 'NEW',
      notified: { keyId: 'NEW', at: daysAgo(20) },
      deactivated: { keyId: 'OLD', at: daysAgo(7) },
    });
    const plan = planUser(
      user([key('OLD', 100, { status: 'Inactive' }), key('NEW', 20)], stored),
      config,
      now,
    );
    expect(kinds(plan.actions)).toEqual(['delete OLD']);
  });

  it('counts the delete grace from the recorded deactivation, not the schedule', () => {
    const stored = secret({
      currentKeyId: 'NEW',
      notified: { keyId: 'NEW', at: daysAgo(20) },
      deactivated: { keyId: 'OLD', at: daysAgo(2) },
    });
    const plan = planUser(
      user([key('OLD', 100, { status: 'Inactive' }), key('NEW', 20)], stored),
      config,
      now,
    );
    expect(plan).toMatchObject({ status: 'waiting', next: { what: 'delete OLD' } });
  });

  it('does nothing for an exempt user', () => {
    const exempting = parseConfig(
      {
        exemptions: [
          { user: 'alice', reason: 'CAPA-1', approvedBy: 'qa@example.com', expiresOn: '2026-12-31' },
        ],
      },
      { asOf: now },
    );
    expect(planUser(user([key('OLD', 100)]), exempting, now)).toMatchObject({
      status: 'exempt',
      actions: [],
    });
  });

  it('rotates now when forced, whatever the age', () => {
    expect(kinds(planUser(user([key('OLD', 3)]), config, now, { force: true }).actions)).toEqual(['create']);
  });

  it('plans the reminder with the old key’s deactivation deadline and the stored key’s delivery', () => {
    const stored = secret({ currentKeyId: 'NEW', currentDelivery: 'stdout' });
    const plan = planUser(
      user([key('OLD', 83, { lastUsedAt: daysAgo(1) }), key('NEW', 3)], stored),
      config,
      now,
    );
    expect(plan.actions).toEqual([
      {
        kind: 'notify',
        keyId: 'NEW',
        delivery: 'stdout',
        oldKey: { id: 'OLD', deactivateAt: new Date(daysAgo(3).getTime() + 7 * DAY_MS) },
        dueAt: daysAgo(3),
        reason: 'notice of the stored key NEW',
      },
    ]);
  });

  it('blocks, repairing nothing, when the secret is bound to another unique ID', () => {
    const stored = secret({
      ownerId: 'AIDAEARLIER',
      currentKeyId: 'GONE',
      pending: { op: 'create', keyId: null, at: daysAgo(0.01), token: null },
    });
    const plan = planUser(user([key('KEY', 0)], stored), config, now);
    expect(plan).toMatchObject({ status: 'blocked', actions: [] });
    expect(plan.reason).toContain('belongs to an earlier user of this name (unique ID AIDAEARLIER');
  });

  it.each([
    ['empty', ''],
    ['blank', ' \t'],
  ])(
    'blocks, repairing nothing, when the owner-id tag is %s (bound to nobody it can verify)',
    (_, ownerId) => {
      const stored = secret({
        ownerId,
        currentKeyId: 'KEY',
        pending: { op: 'create', keyId: null, at: daysAgo(0.01), token: null },
      });
      const plan = planUser(user([key('KEY', 81)], stored), config, now);
      expect(plan).toMatchObject({ status: 'blocked', actions: [], next: null });
      expect(plan.reason).toContain('keywarden:owner-id tag is empty');
      expect(plan.reason).toContain(
        'aws secretsmanager untag-resource --secret-id keywarden/123456789012/alice --tag-keys keywarden:owner-id',
      );
      expect(plan.reason).toContain(
        'aws secretsmanager delete-secret --secret-id keywarden/123456789012/alice',
      );
      expect(plan.reason).not.toContain('earlier user');
    },
  );

  it('still plans for a secret with no owner-id tag at all (it is bound before anything is stored)', () => {
    const plan = planUser(user([key('KEY', 81)], secret({ ownerId: null })), config, now);
    expect(plan.status).toBe('act');
    expect(kinds(plan.actions)).toEqual(['create']);
  });

  describe('after an interrupted run', () => {
    const pendingCreate = { op: 'create' as const, keyId: null, at: daysAgo(0.01), token: null };
    const record = (action: TrailRecord['action'], accessKeyId: string) =>
      ({ action, accessKeyId, user: 'alice' }) as TrailRecord;

    it('deletes a key created after the marker whose secret was never stored', () => {
      const stored = secret({ pending: pendingCreate });
      const plan = planUser(user([key('OLD', 81), key('LOST', 0)], stored), config, now);
      expect(kinds(plan.actions)).toEqual(['record LOST', 'delete-orphan LOST', 'settle', 'create']);
    });

    it('writes the records a run that stored the key could not write, then notifies', () => {
      const stored = secret({ pending: pendingCreate, currentKeyId: 'NEW' });
      const plan = planUser(user([key('OLD', 81), key('NEW', 0)], stored), config, now, {
        recordsSincePending: [record('key.create', 'NEW')],
      });
      expect(plan.actions).toEqual([
        expect.objectContaining({ kind: 'record', action: 'secret.store', keyId: 'NEW' }),
        expect.objectContaining({ kind: 'settle' }),
        expect.objectContaining({ kind: 'notify', keyId: 'NEW' }),
      ]);
    });

    it('records a deactivation that happened but was not recorded, keeping its time', () => {
      const marker = { op: 'deactivate' as const, keyId: 'OLD', at: daysAgo(0.01), token: null };
      const stored = secret({
        pending: marker,
        currentKeyId: 'NEW',
        notified: { keyId: 'NEW', at: daysAgo(7) },
      });
      const plan = planUser(
        user([key('OLD', 88, { status: 'Inactive' }), key('NEW', 7)], stored),
        config,
        now,
      );
      expect(plan.actions).toEqual([
        expect.objectContaining({ kind: 'record', action: 'key.deactivate', keyId: 'OLD' }),
        {
          kind: 'settle',
          deactivated: { keyId: 'OLD', at: marker.at },
          dueAt: now,
          reason: expect.any(String),
        },
      ]);
    });

    it('records a deletion that happened but was not recorded', () => {
      const marker = { op: 'delete' as const, keyId: 'OLD', at: daysAgo(0.01), token: null };
      const stored = secret({
        pending: marker,
        currentKeyId: 'NEW',
        notified: { keyId: 'NEW', at: daysAgo(14) },
      });
      const plan = planUser(user([key('NEW', 14)], stored), config, now);
      expect(kinds(plan.actions)).toEqual(['record OLD', 'settle']);
    });
  });
});

describe('planUser: a user AWS quarantined for an exposed key', () => {
  const quarantined = (keys: KeyState[], stored: SecretState | null = null): UserState => ({
    ...user(keys, stored),
    quarantine: ['AWSCompromisedKeyQuarantineV2'],
  });

  it('replaces a young stored key at once and deactivates it in the same run, after the create', () => {
    // Prepare: a stored key 3 days old, nowhere near rotateAtDays.
    const stored = secret({ currentKeyId: 'KW', notified: { keyId: 'KW', at: daysAgo(3) } });

    // Act
    const plan = planUser(quarantined([key('KW', 3)], stored), config, now);

    // Assess
    expect(plan.status).toBe('act');
    expect(kinds(plan.actions)).toEqual(['create', 'deactivate KW']);
    expect(plan.actions[0]).toMatchObject({
      kind: 'create',
      replaces: 'KW',
      answersQuarantine: ['AWSCompromisedKeyQuarantineV2'],
      dueAt: now,
    });
    expect(plan.actions[0]?.reason).toContain('AWS quarantined alice (AWSCompromisedKeyQuarantineV2)');
    expect(plan.actions[1]).toMatchObject({ dueAt: now });
    expect(plan.actions[1]?.reason).toContain('deactivated as soon as its replacement was stored');
  });

  it('replaces the only key of a user keywarden does not manage yet, whatever its age', () => {
    const plan = planUser(quarantined([key('MADE-BY-HAND', 10)]), config, now);

    expect(kinds(plan.actions)).toEqual(['create', 'deactivate MADE-BY-HAND']);
  });

  it('frees the slot an inactive key holds before the replacement', () => {
    const plan = planUser(quarantined([key('OFF', 30, { status: 'Inactive' }), key('ON', 10)]), config, now);

    expect(kinds(plan.actions)).toEqual(['delete OFF', 'create', 'deactivate ON']);
  });

  it('touches only the exposed key when the user also holds the key keywarden stored in answer', () => {
    // Prepare: the run that answered the quarantine stored ANSWER; a crash left EXPOSED active.
    const stored = secret({
      currentKeyId: 'ANSWER',
      notified: { keyId: 'ANSWER', at: daysAgo(0.01) },
      quarantineAnswered: { keyId: 'ANSWER', at: daysAgo(0.01) },
    });
    const keys = [key('EXPOSED', 40, { lastUsedAt: daysAgo(0) }), key('ANSWER', 0.01)];

    // Act
    const plan = planUser(quarantined(keys, stored), config, now);

    // Assess: Cloud Custodian deactivated every key of a matched user; here the answer key is left alone.
    expect(kinds(plan.actions)).toEqual(['deactivate EXPOSED']);
    expect(plan.actions[0]?.reason).toContain('deactivated at once (replaced by ANSWER)');
  });

  it('does nothing more once the exposed key is inactive: it is deleted on the normal schedule', () => {
    const stored = secret({
      currentKeyId: 'ANSWER',
      notified: { keyId: 'ANSWER', at: daysAgo(2) },
      deactivated: { keyId: 'EXPOSED', at: daysAgo(2) },
      quarantineAnswered: { keyId: 'ANSWER', at: daysAgo(2) },
    });
    const keys = [key('EXPOSED', 40, { status: 'Inactive' }), key('ANSWER', 2)];

    const plan = planUser(quarantined(keys, stored), config, now);

    expect(plan).toMatchObject({ status: 'waiting', actions: [], next: { what: 'delete EXPOSED' } });
    expect(plan.next?.at).toEqual(new Date(daysAgo(2).getTime() + config.rotation.deleteAfterDays * DAY_MS));
  });

  it('does not rotate the answer again while the quarantine stays attached', () => {
    const stored = secret({
      currentKeyId: 'ANSWER',
      notified: { keyId: 'ANSWER', at: daysAgo(20) },
      quarantineAnswered: { keyId: 'ANSWER', at: daysAgo(20) },
    });

    const plan = planUser(quarantined([key('ANSWER', 20)], stored), config, now);

    expect(plan).toMatchObject({ status: 'waiting', actions: [], next: { what: 'rotate ANSWER' } });
  });

  it('answers a new quarantine again when the event that started the run is newer than the answer', () => {
    const stored = secret({
      currentKeyId: 'ANSWER',
      notified: { keyId: 'ANSWER', at: daysAgo(20) },
      quarantineAnswered: { keyId: 'ANSWER', at: daysAgo(20) },
    });

    const plan = planUser(quarantined([key('ANSWER', 20)], stored), config, now, {
      quarantinedAt: daysAgo(0.01),
    });

    expect(kinds(plan.actions)).toEqual(['create', 'deactivate ANSWER']);
  });

  it('replaces the stored key mid-rotation: the older key is deactivated and gives up its slot first', () => {
    // Prepare: a normal rotation 2 days ago left OLD active beside the stored NEW; then AWS quarantined.
    const stored = secret({ currentKeyId: 'NEW', notified: { keyId: 'NEW', at: daysAgo(2) } });
    const keys = [key('OLD', 82, { lastUsedAt: daysAgo(1) }), key('NEW', 2)];

    const plan = planUser(quarantined(keys, stored), config, now);

    expect(kinds(plan.actions)).toEqual(['deactivate OLD', 'delete OLD', 'create', 'deactivate NEW']);
  });

  it('refuses to choose between two active keys that both predate the quarantine when neither is stored', () => {
    const plan = planUser(quarantined([key('A', 30), key('B', 10)]), config, now);

    expect(plan).toMatchObject({ status: 'blocked', actions: [] });
    expect(plan.reason).toContain('cannot tell which one AWS found');
  });

  it('does not let an exemption cover an exposed key', () => {
    const exempt = parseConfig(
      {
        exemptions: [{ user: 'alice', reason: 'appliance', approvedBy: 'qa', expiresOn: '2026-12-31' }],
      },
      { asOf: now },
    );

    expect(planUser(user([key('KW', 10)]), exempt, now).status).toBe('exempt');
    expect(kinds(planUser(quarantined([key('KW', 10)]), exempt, now).actions)).toEqual([
      'create',
      'deactivate KW',
    ]);
  });

  it('forgets the answer once AWS has lifted the quarantine, so that a later one is answered again', () => {
    const stored = secret({
      currentKeyId: 'ANSWER',
      notified: { keyId: 'ANSWER', at: daysAgo(20) },
      quarantineAnswered: { keyId: 'ANSWER', at: daysAgo(20) },
    });

    const plan = planUser(user([key('ANSWER', 20)], stored), config, now);

    expect(kinds(plan.actions)).toEqual(['forget-quarantine']);
    expect(plan.status).toBe('act');
  });
});
