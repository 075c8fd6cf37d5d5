import { describe, expect, it } from 'vitest';
import type { KeyRecord } from '../../../core/inventory/records.js';
import { parseConfig } from '../../../core/policy/schema.js';
import {
  countViolatingKeys,
  type KeyNoticeFacts,
  newKeyNotice,
  reminderNotice,
  summaryNotice,
} from '../../../core/rotation/index.js';
import { DAY_MS } from '../../../core/time.js';

const facts = (extra: Partial<KeyNoticeFacts> = {}): KeyNoticeFacts => ({
  account: '123456789012',
  user: 'alice',
  keyId: 'AKIANEW',
  secretName: 'keywarden/123456789012/alice',
  delivery: 'secrets-manager',
  oldKey: { id: 'AKIAOLD', deactivateAt: new Date('2026-06-08T12:00:00Z') },
  enforce: true,
  toldAt: new Date('2026-06-01T12:00:05Z'),
  ...extra,
});

describe('owner notices', () => {
  it('tells of a new stored key, where to read it and the day the old key goes, under enforce', () => {
    // Act
    const notice = newKeyNotice(facts());

    // Assess
    expect(notice).toEqual({
      kind: 'new-key',
      subject: 'keywarden: new access key for alice',
      user: 'alice',
      text: [
        'A new access key AKIANEW for IAM user alice (account 123456789012) is in Secrets Manager as keywarden/123456789012/alice.',
        'Read it with: aws secretsmanager get-secret-value --secret-id keywarden/123456789012/alice',
        'Switch to it: the old key AKIAOLD will be deactivated on or after 2026-06-08, even if still in use.',
      ].join('\n'),
    });
  });

  it('tells of a new key shown once on stdout without claiming Secrets Manager holds it', () => {
    // Act
    const notice = newKeyNotice(facts({ delivery: 'stdout', enforce: false }));

    // Assess
    expect(notice.text).toBe(
      [
        'A new access key AKIANEW for IAM user alice (account 123456789012) was shown once to the operator who ran keywarden rotate; keywarden kept no copy (keywarden/123456789012/alice records only its ID).',
        'Switch to it: the old key AKIAOLD will be deactivated on or after 2026-06-08, once it is no longer used.',
      ].join('\n'),
    );
  });

  it('tells of a first key with no old key to retire', () => {
    // Act
    const stored = newKeyNotice(facts({ oldKey: null }));
    const shown = newKeyNotice(facts({ oldKey: null, delivery: 'stdout' }));

    // Assess
    expect(stored.text).toBe(
      [
        'A new access key AKIANEW for IAM user alice (account 123456789012) is in Secrets Manager as keywarden/123456789012/alice.',
        'Read it with: aws secretsmanager get-secret-value --secret-id keywarden/123456789012/alice',
      ].join('\n'),
    );
    expect(shown.text).toBe(
      'A new access key AKIANEW for IAM user alice (account 123456789012) was shown once to the operator who ran keywarden rotate; keywarden kept no copy (keywarden/123456789012/alice records only its ID).',
    );
  });

  it('reminds the owner with the deadline, for either delivery', () => {
    // Act
    const stored = reminderNotice(facts({ toldAt: new Date('2026-06-03T09:00:00Z') }));
    const shown = reminderNotice(facts({ delivery: 'stdout', toldAt: new Date('2026-06-03T09:00:00Z') }));

    // Assess
    expect(stored).toEqual({
      kind: 'reminder',
      subject: 'keywarden: reminder: access key for alice',
      user: 'alice',
      text: [
        'Reminder: the access key AKIANEW for IAM user alice (account 123456789012) is in Secrets Manager as keywarden/123456789012/alice.',
        'Read it with: aws secretsmanager get-secret-value --secret-id keywarden/123456789012/alice',
        'Switch to it: the old key AKIAOLD will be deactivated on or after 2026-06-08, even if still in use.',
      ].join('\n'),
    });
    expect(shown.text).toBe(
      [
        'Reminder: the access key AKIANEW for IAM user alice (account 123456789012) was shown once to the operator who ran keywarden rotate; keywarden kept no copy (keywarden/123456789012/alice records only its ID).',
        'Switch to it: the old key AKIAOLD will be deactivated on or after 2026-06-08, even if still in use.',
      ].join('\n'),
    );
  });

  it('promises the day before when the step falls due in the first hour of a UTC day', () => {
    // Prepare: due 00:30, so the planner acts from 23:30 the day before.
    const early = facts({ oldKey: { id: 'AKIAOLD', deactivateAt: new Date('2026-06-08T00:30:00Z') } });

    // Act
    const notice = newKeyNotice(early);

    // Assess
    expect(notice.text).toContain('will be deactivated on or after 2026-06-07, even if still in use.');
  });

  it('promises the day of telling when the deadline has already passed', () => {
    // Act
    const notice = reminderNotice(facts({ toldAt: new Date('2026-06-10T06:00:00Z') }));

    // Assess
    expect(notice.text).toContain('will be deactivated on or after 2026-06-10');
  });
});

describe('the run summary', () => {
  const run = (counts: Partial<Record<string, number>>, extra: object = {}) => ({
    account: '123456789012',
    at: '2026-06-01T06:00:00.000Z',
    dryRun: false,
    users: [
      { user: 'alice', status: 'done', reason: 'rotation due' },
      { user: 'bob', status: 'blocked', reason: 'two active keys' },
    ],
    counts: { done: 0, waiting: 0, blocked: 0, exempt: 0, planned: 0, failed: 0, deferred: 0, ...counts },
    violatingKeys: 0,
    ...extra,
  });

  it('says the counts, each user a person must look at, the violations and the deferred users', () => {
    // Act
    const notice = summaryNotice(run({ done: 1, blocked: 1, deferred: 2 }, { violatingKeys: 3 }));

    // Assess
    expect(notice).toEqual({
      kind: 'summary',
      subject: 'keywarden: rotation run 2026-06-01T06:00:00.000Z',
      text: [
        'keywarden rotation in account 123456789012 at 2026-06-01T06:00:00.000Z: 1 done, 1 blocked, 2 deferred',
        '- bob: blocked: two active keys',
        '3 active key(s) of users in scope are overdue.',
        '2 user(s) were left for the next run: the time budget was spent.',
      ].join('\n'),
    });
  });

  it('stays quiet when nothing changed and nothing is in violation', () => {
    expect(summaryNotice(run({ waiting: 4, exempt: 1 }))).toBeNull();
    expect(summaryNotice(run({ waiting: 4 }, { violatingKeys: null }))).toBeNull();
  });

  it('speaks for a violation alone, and never for a dry run', () => {
    expect(summaryNotice(run({ waiting: 4 }, { violatingKeys: 1 }))?.kind).toBe('summary');
    expect(summaryNotice(run({ done: 2 }, { dryRun: true }))).toBeNull();
  });
});

describe('the violation count of a run', () => {
  const asOf = new Date('2026-06-01T12:00:00Z');
  const key = (user: string, ageDays: number, status: KeyRecord['status'] = 'Active'): KeyRecord => ({
    account: '123456789012',
    user,
    userArn: `arn:aws:iam::123456789012:user/${user}`,
    accessKeyId: null,
    keySlot: 1,
    status,
    createdAt: new Date(asOf.getTime() - ageDays * DAY_MS),
    lastUsedAt: new Date(asOf.getTime() - DAY_MS),
    lastUsedService: 'iam',
  });

  it('counts the keys of users in scope whose verdict is a violation, and nothing else', () => {
    // Prepare
    const config = parseConfig({}, { asOf });
    const keys = [
      key('alice', 120),
      key('alice', 85),
      key('bob', 100, 'Inactive'),
      key('carol', 10),
      key('outsider', 300),
    ];

    // Act
    const count = countViolatingKeys(keys, config, asOf, new Set(['alice', 'bob', 'carol']));

    // Assess: alice's 120-day key; the 85-day one is expiring, bob's inactive key is stale.
    expect(count).toBe(1);
  });
});

describe('the notice of a key replaced because AWS quarantined it', () => {
  it('says what AWS did, that the old key goes now, and what is left for a person', () => {
    // Act
    const notice = newKeyNotice(facts({ quarantine: ['AWSCompromisedKeyQuarantineV2'] }));

    // Assess
    expect(notice.subject).toBe('keywarden: AWS quarantined an exposed key of alice: new access key');
    expect(notice.text).toContain(
      'AWS quarantined this key: AWS attached AWSCompromisedKeyQuarantineV2 to alice, which it does when it finds an access key of the user exposed',
    );
    expect(notice.text).toContain('keywarden replaced AKIAOLD at once, whatever its age.');
    expect(notice.text).toContain('the old key AKIAOLD is deactivated in this same run, whatever its use.');
    expect(notice.text).not.toContain('on or after');
  });
});

describe('owner notices naming who still uses the old key', () => {
  const seen = (consumers: number) => ({
    kind: 'seen' as const,
    accessKeyId: 'AKIAOLD',
    region: 'us-east-1',
    since: new Date('2026-05-25T12:00:00Z'),
    until: new Date('2026-06-01T12:00:05Z'),
    truncated: false,
    consumers: Array.from({ length: consumers }, (_, index) => ({
      sourceIp: `203.0.113.${index + 1}`,
      userAgent: index === 0 ? 'aws-cli/1.45.11\u001b[2J botocore/1.43.11' : 'Boto3/1.34.0 Python/3.12',
      services: ['s3.amazonaws.com'],
      regions: ['us-east-1'],
      firstSeen: new Date('2026-05-26T00:00:00Z'),
      lastSeen: new Date(Date.UTC(2026, 4, 31, 23 - index)),
      events: index + 1,
    })),
  });

  it('lists each consumer of the old key (source, agent inert, last seen) in the reminder', () => {
    const notice = reminderNotice(facts({ oldKeyConsumers: seen(2) }));

    expect(notice.text.split('\n').slice(2)).toEqual([
      'Switch to it: the old key AKIAOLD will be deactivated on or after 2026-06-08, even if still in use.',
      'Seen using the old key AKIAOLD since 2026-05-25T12:00:00Z (CloudTrail event history of us-east-1):',
      '  - 203.0.113.1 · aws-cli/1.45.11\\x1b[2J botocore/1.43.11 · last seen 2026-05-31T23:00:00Z (1 event)',
      '  - 203.0.113.2 · Boto3/1.34.0 Python/3.12 · last seen 2026-05-31T22:00:00Z (2 events)',
      'Move each of them to the new key before the old one is deactivated.',
    ]);
  });

  it('lists five and points to keywarden consumers for the rest', () => {
    const notice = newKeyNotice(facts({ oldKeyConsumers: seen(7) }));
    expect(notice.text).toContain('  … and 2 more: keywarden consumers --user alice\n');
  });

  it('says in one line when CloudTrail could not be read, never that nobody uses the key', () => {
    const notice = newKeyNotice(
      facts({
        oldKeyConsumers: {
          kind: 'unreadable',
          accessKeyId: 'AKIAOLD',
          region: 'us-east-1',
          reason: 'access denied (the caller needs cloudtrail:LookupEvents)',
        },
      }),
    );
    expect(notice.text.split('\n').at(-1)).toBe(
      "Who uses the old key AKIAOLD is not known: CloudTrail's event history of us-east-1 could not be read (access denied (the caller needs cloudtrail:LookupEvents)).",
    );
  });

  it('says what it read when it saw no use, and what it could not see', () => {
    const notice = reminderNotice(facts({ oldKeyConsumers: seen(0) }));
    expect(notice.text.split('\n').at(-1)).toBe(
      "No use of the old key AKIAOLD is in CloudTrail's event history of us-east-1 since 2026-05-25T12:00:00Z (management events only; other regions and data events are not in it).",
    );
  });
});
