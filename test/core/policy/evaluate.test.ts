import { describe, expect, it } from 'vitest';
import { ROOT_USER } from '../../../core/inventory/records.js';
import { evaluate, evaluateKey, failsAt, remediation, summarize } from '../../../core/policy/evaluate.js';
import { parseConfig } from '../../../core/policy/schema.js';
import { AS_OF, createdDaysAgo, keyRecord } from '../../support/records.js';

const HOUR = 3600_000;
const policy = parseConfig({}, { asOf: AS_OF });
const exemption = {
  user: 'alice',
  reason: 'Appliance; CAPA-1',
  approvedBy: 'qa@example.com',
  expiresOn: '2026-11-28',
};

describe('evaluateKey with maxKeyAgeDays 90, warnDays 14, unusedKeyDays 45', () => {
  it.each([
    [0, 0, 'compliant', 0],
    [75, HOUR, 'compliant', 75],
    [76, 0, 'compliant', 76],
    [76, 1, 'expiring', 76],
    [77, HOUR, 'expiring', 77],
    [89, HOUR, 'expiring', 89],
    [90, 0, 'expiring', 90],
    [90, 1, 'overdue', 90],
    [91, HOUR, 'overdue', 91],
    [200, HOUR, 'overdue', 200],
  ] as const)('judges an active used key %i days (+%i ms) old %s', (days, extraMs, verdict, ageDays) => {
    // Prepare
    const key = keyRecord({ createdAt: createdDaysAgo(days, extraMs) });

    // Act
    const finding = evaluateKey(key, policy, AS_OF);

    // Assess
    expect(finding.verdict).toBe(verdict);
    expect(finding.ageDays).toBe(ageDays);
  });

  it('gives the measured age and the limit in an overdue reason', () => {
    const finding = evaluateKey(keyRecord({ createdAt: createdDaysAgo(97, HOUR) }), policy, AS_OF);

    expect(finding.severity).toBe('violation');
    expect(finding.reason).toBe('Active access key not rotated in over 90 days (97 days old).');
  });

  it('says how many days are left on an expiring key', () => {
    const finding = evaluateKey(keyRecord({ createdAt: createdDaysAgo(89, HOUR) }), policy, AS_OF);

    expect(finding.severity).toBe('warning');
    expect(finding.reason).toBe(
      'Active access key is 89 days old and must be rotated within 1 day (limit 90 days).',
    );
  });

  it('judges an inactive key over the limit stale (delete it)', () => {
    const finding = evaluateKey(
      keyRecord({ status: 'Inactive', createdAt: createdDaysAgo(120) }),
      policy,
      AS_OF,
    );

    expect(finding).toMatchObject({ verdict: 'stale', severity: 'warning' });
  });

  it('judges an inactive key within the limit compliant, even when old enough to be expiring', () => {
    const finding = evaluateKey(
      keyRecord({ status: 'Inactive', createdAt: createdDaysAgo(85) }),
      policy,
      AS_OF,
    );

    expect(finding.verdict).toBe('compliant');
  });

  it('judges an active key never used past unusedKeyDays unused', () => {
    const finding = evaluateKey(
      keyRecord({ lastUsedAt: null, createdAt: createdDaysAgo(46) }),
      policy,
      AS_OF,
    );

    expect(finding).toMatchObject({ verdict: 'unused', severity: 'warning' });
  });

  it('judges an active key never used, exactly unusedKeyDays old, compliant', () => {
    const finding = evaluateKey(
      keyRecord({ lastUsedAt: null, createdAt: createdDaysAgo(45) }),
      policy,
      AS_OF,
    );

    expect(finding.verdict).toBe('compliant');
  });

  it('judges an inactive key never used by its age only', () => {
    const finding = evaluateKey(
      keyRecord({ status: 'Inactive', lastUsedAt: null, createdAt: createdDaysAgo(60) }),
      policy,
      AS_OF,
    );

    expect(finding.verdict).toBe('compliant');
  });

  it('ranks expiring above unused for a never-used key in the warning window', () => {
    const finding = evaluateKey(
      keyRecord({ lastUsedAt: null, createdAt: createdDaysAgo(80) }),
      policy,
      AS_OF,
    );

    expect(finding.verdict).toBe('expiring');
  });

  it('ranks overdue above unused for a never-used key past the limit', () => {
    const finding = evaluateKey(
      keyRecord({ lastUsedAt: null, createdAt: createdDaysAgo(95) }),
      policy,
      AS_OF,
    );

    expect(finding.verdict).toBe('overdue');
  });

  it('ranks an exemption above every other verdict', () => {
    // Prepare
    const exempting = { ...policy, exemptions: [exemption] };

    // Act
    const findings = [
      keyRecord({ createdAt: createdDaysAgo(200) }),
      keyRecord({ status: 'Inactive', createdAt: createdDaysAgo(200), keySlot: 2 }),
    ].map((key) => evaluateKey(key, exempting, AS_OF));

    // Assess
    expect(findings.map((f) => [f.verdict, f.severity])).toEqual([
      ['exempt', 'ok'],
      ['exempt', 'ok'],
    ]);
    expect(findings[0]?.reason).toBe(
      'Exempt until 2026-11-28 (approved by qa@example.com): Appliance; CAPA-1',
    );
  });

  it('keeps an exemption valid through the last instant of its UTC expiry date', () => {
    const lastInstant = new Date('2026-11-28T23:59:59.999Z');

    const finding = evaluateKey(
      keyRecord({ createdAt: createdDaysAgo(200) }),
      { ...policy, exemptions: [exemption] },
      lastInstant,
    );

    expect(finding.verdict).toBe('exempt');
  });

  it('judges a key of an expired exemption like any other', () => {
    const dayAfter = new Date('2026-11-29T00:00:00Z');

    const finding = evaluateKey(
      keyRecord({ createdAt: createdDaysAgo(200) }),
      { ...policy, exemptions: [exemption] },
      dayAfter,
    );

    expect(finding.verdict).toBe('overdue');
  });

  it('exempts only the named user', () => {
    const finding = evaluateKey(
      keyRecord({ user: 'bob', createdAt: createdDaysAgo(200) }),
      { ...policy, exemptions: [exemption] },
      AS_OF,
    );

    expect(finding.verdict).toBe('overdue');
  });

  it('follows the configured limits', () => {
    const strict = parseConfig(
      { maxKeyAgeDays: 30, warnDays: 5, rotation: { rotateAtDays: 20 } },
      { asOf: AS_OF },
    );

    const verdicts = [24, 26, 31].map(
      (days) => evaluateKey(keyRecord({ createdAt: createdDaysAgo(days, HOUR) }), strict, AS_OF).verdict,
    );

    expect(verdicts).toEqual(['compliant', 'expiring', 'overdue']);
  });
});

const rootKey = (overrides: Parameters<typeof keyRecord>[0] = {}) =>
  keyRecord({ user: ROOT_USER, userArn: 'arn:aws:iam::123456789012:root', ...overrides });

/** A used key whose last use was exactly `days` days (plus `extraMs`) before AS_OF. */
const lastUsedDaysAgo = (days: number, extraMs = 0) =>
  keyRecord({ lastUsedAt: createdDaysAgo(days, extraMs) });

describe('evaluateKey: root-key', () => {
  it.each([
    ['active and fresh', rootKey({ createdAt: createdDaysAgo(0, HOUR) })],
    ['active and old', rootKey({ createdAt: createdDaysAgo(400) })],
    ['inactive and fresh', rootKey({ status: 'Inactive', createdAt: createdDaysAgo(1) })],
    ['inactive and old', rootKey({ status: 'Inactive', createdAt: createdDaysAgo(400) })],
    ['never used', rootKey({ lastUsedAt: null, createdAt: createdDaysAgo(60) })],
  ])('judges a root account key %s a root-key violation', (_, key) => {
    const finding = evaluateKey(key, policy, AS_OF);

    expect(finding).toMatchObject({ verdict: 'root-key', severity: 'violation' });
  });

  it('says the root key must be deleted, with its status and age', () => {
    const finding = evaluateKey(rootKey({ createdAt: createdDaysAgo(3, HOUR) }), policy, AS_OF);

    expect(finding.reason).toBe(
      'The root account has an active access key (3 days old); no root access key may exist: delete it.',
    );
  });

  it('recognises the root user by its ARN as well as by the report row name', () => {
    const finding = evaluateKey(
      keyRecord({ user: 'root', userArn: 'arn:aws:iam::123456789012:root' }),
      policy,
      AS_OF,
    );

    expect(finding.verdict).toBe('root-key');
  });

  it('ignores an exemption for the root account even in a config built by hand', () => {
    const finding = evaluateKey(
      rootKey(),
      { ...policy, exemptions: [{ ...exemption, user: ROOT_USER }] },
      AS_OF,
    );

    expect(finding.verdict).toBe('root-key');
  });
});

describe('evaluateKey: unused (unusedKeyDays 45)', () => {
  it.each([
    [44, HOUR, 'compliant'],
    [45, -1, 'compliant'],
    [45, 0, 'compliant'],
    [45, 1, 'unused'],
    [60, 0, 'unused'],
  ] as const)('judges an active key last used %i days (%i ms) ago %s', (days, extraMs, verdict) => {
    const finding = evaluateKey(lastUsedDaysAgo(days, extraMs), policy, AS_OF);

    expect(finding.verdict).toBe(verdict);
  });

  it('gives the days since the last use and the limit in the reason', () => {
    const finding = evaluateKey(lastUsedDaysAgo(60, HOUR), policy, AS_OF);

    expect(finding).toMatchObject({ verdict: 'unused', severity: 'warning' });
    expect(finding.reason).toBe(
      'Active access key last used 60 days ago (limit 45 days); deactivate or delete it.',
    );
  });

  it('judges an inactive key by its age, however long unused', () => {
    const finding = evaluateKey(
      keyRecord({ status: 'Inactive', lastUsedAt: createdDaysAgo(70), createdAt: createdDaysAgo(80) }),
      policy,
      AS_OF,
    );

    expect(finding.verdict).toBe('compliant');
  });

  it('ranks expiring above unused for a dormant key in the warning window', () => {
    const finding = evaluateKey(
      keyRecord({ createdAt: createdDaysAgo(80), lastUsedAt: createdDaysAgo(60) }),
      policy,
      AS_OF,
    );

    expect(finding.verdict).toBe('expiring');
  });
});

describe('evaluate: superseded (deactivateAfterDays 7)', () => {
  const older = keyRecord({ keySlot: 1, createdAt: createdDaysAgo(40) });
  const newer = (days: number, extraMs = 0, status: 'Active' | 'Inactive' = 'Active') =>
    keyRecord({ keySlot: 2, createdAt: createdDaysAgo(days, extraMs), status });
  const verdictsOf = (keys: ReturnType<typeof keyRecord>[]) =>
    Object.fromEntries(evaluate(keys, policy, AS_OF).map((f) => [f.keySlot, f.verdict]));

  it.each([
    [7, -1, 'compliant'],
    [7, 0, 'compliant'],
    [7, 1, 'superseded'],
    [30, 0, 'superseded'],
  ] as const)(
    'judges the older active key, when the newer one is %i days (%i ms) old, %s',
    (days, extraMs, verdict) => {
      expect(verdictsOf([older, newer(days, extraMs)])).toEqual({ 1: verdict, 2: 'compliant' });
    },
  );

  it('says how long ago the key was replaced, the limit and what to do', () => {
    const [finding] = evaluate([older, newer(12, HOUR)], policy, AS_OF).filter((f) => f.keySlot === 1);

    expect(finding?.severity).toBe('warning');
    expect(finding?.reason).toBe(
      'Active access key was replaced 12 days ago by a newer active key (limit 7 days); finish the rotation: deactivate and delete this key.',
    );
  });

  it('follows rotation.deactivateAfterDays', () => {
    const patient = parseConfig({ rotation: { rotateAtDays: 70, deactivateAfterDays: 14 } }, { asOf: AS_OF });

    const verdicts = [14, 15].map(
      (days) => evaluate([older, newer(days)], patient, AS_OF).find((f) => f.keySlot === 1)?.verdict,
    );

    expect(verdicts).toEqual(['compliant', 'superseded']);
  });

  it('leaves a key alone when the newer key is inactive', () => {
    expect(verdictsOf([older, newer(30, 0, 'Inactive')])).toEqual({ 1: 'compliant', 2: 'compliant' });
  });

  it('does not compare keys of different users or accounts', () => {
    const findings = evaluate(
      [
        older,
        keyRecord({ user: 'bob', createdAt: createdDaysAgo(30) }),
        keyRecord({ account: '210987654321', createdAt: createdDaysAgo(30) }),
      ],
      policy,
      AS_OF,
    );

    expect(findings.map((f) => f.verdict)).toEqual(['compliant', 'compliant', 'compliant']);
  });

  it('does not call either of two keys created in the same instant newer', () => {
    expect(verdictsOf([older, newer(40)])).toEqual({ 1: 'compliant', 2: 'compliant' });
  });

  it('ranks expiring and overdue above superseded, and superseded above unused', () => {
    const expiringOld = keyRecord({ keySlot: 1, createdAt: createdDaysAgo(80) });
    const dormantOld = keyRecord({
      keySlot: 1,
      createdAt: createdDaysAgo(60),
      lastUsedAt: createdDaysAgo(50),
    });

    expect(verdictsOf([expiringOld, newer(30)])[1]).toBe('expiring');
    expect(verdictsOf([dormantOld, newer(30)])[1]).toBe('superseded');
  });
});

describe('regressions of issue 13 (each was missed before the verdict table grew)', () => {
  it('no longer reports a fresh active root key compliant', () => {
    const [finding] = evaluate([rootKey({ createdAt: createdDaysAgo(2) })], policy, AS_OF);

    expect(finding?.verdict).toBe('root-key');
  });

  it('no longer reports a key last used 60 days ago compliant', () => {
    const [finding] = evaluate([lastUsedDaysAgo(60)], policy, AS_OF);

    expect(finding?.verdict).toBe('unused');
  });

  it('no longer reports nothing for two active keys long after the rotation window', () => {
    const findings = evaluate(
      [
        keyRecord({ keySlot: 1, createdAt: createdDaysAgo(60) }),
        keyRecord({ keySlot: 2, createdAt: createdDaysAgo(40) }),
      ],
      policy,
      AS_OF,
    );

    expect(findings.map((f) => [f.keySlot, f.verdict])).toEqual([
      [1, 'superseded'],
      [2, 'compliant'],
    ]);
  });
});

describe('evaluate', () => {
  it('orders findings worst first: severity, then age, then user and slot', () => {
    // Prepare
    const keys = [
      keyRecord({ user: 'ok-young', createdAt: createdDaysAgo(1) }),
      keyRecord({ user: 'warn', createdAt: createdDaysAgo(80) }),
      keyRecord({ user: 'bad-b', createdAt: createdDaysAgo(95) }),
      keyRecord({ user: 'bad-a', createdAt: createdDaysAgo(95) }),
      keyRecord({ user: 'bad-old', createdAt: createdDaysAgo(300) }),
      keyRecord({ user: 'ok-old', createdAt: createdDaysAgo(60) }),
    ];

    // Act
    const order = evaluate(keys, policy, AS_OF).map((f) => f.user);

    // Assess
    expect(order).toEqual(['bad-old', 'bad-a', 'bad-b', 'warn', 'ok-old', 'ok-young']);
  });
});

describe('summarize', () => {
  it('counts each verdict, violations and warnings, and users apart from keys', () => {
    const findings = evaluate(
      [
        keyRecord({ createdAt: createdDaysAgo(95) }),
        keyRecord({ createdAt: createdDaysAgo(80), keySlot: 2 }),
        keyRecord({ user: 'bob', status: 'Inactive', createdAt: createdDaysAgo(100) }),
        keyRecord({ user: 'carol' }),
      ],
      policy,
      AS_OF,
    );

    expect(summarize(findings, 5)).toEqual({
      users: 5,
      keys: 4,
      compliant: 1,
      expiring: 1,
      unused: 0,
      overdue: 1,
      stale: 1,
      exempt: 0,
      'root-key': 0,
      compromised: 0,
      superseded: 0,
      violations: 1,
      warnings: 2,
    });
  });
});

describe('failsAt', () => {
  it.each([
    [{ violations: 1, warnings: 0 }, 'violation', true],
    [{ violations: 0, warnings: 3 }, 'violation', false],
    [{ violations: 0, warnings: 3 }, 'warning', true],
    [{ violations: 2, warnings: 0 }, 'warning', true],
    [{ violations: 2, warnings: 2 }, 'never', false],
    [{ violations: 0, warnings: 0 }, 'warning', false],
  ] as const)('with %o and --fail-on %s says %s', (summary, failOn, fails) => {
    expect(failsAt(summary, failOn)).toBe(fails);
  });
});

describe('remediation', () => {
  it('gives the rotate command and the manual steps for an overdue key, with its ID when known', () => {
    const steps = remediation({ verdict: 'overdue', user: 'alice', accessKeyId: 'AKIAEXAMPLE0000001' });

    expect(steps[0]).toBe('keywarden rotate --user alice');
    expect(steps.at(-1)).toBe(
      'aws iam delete-access-key --user-name alice --access-key-id AKIAEXAMPLE0000001',
    );
  });

  it('asks to delete a stale key and has nothing for a compliant one', () => {
    expect(remediation({ verdict: 'stale', user: 'bob', accessKeyId: null })).toEqual([
      'aws iam delete-access-key --user-name bob --access-key-id <ACCESS_KEY_ID>',
    ]);
    expect(remediation({ verdict: 'compliant', user: 'bob', accessKeyId: null })).toEqual([]);
  });

  it('asks to delete a root key as the root user, never to rotate it', () => {
    const steps = remediation({ verdict: 'root-key', user: ROOT_USER, accessKeyId: null }).join('\n');

    expect(steps).toContain('aws iam delete-access-key --access-key-id <ACCESS_KEY_ID>');
    expect(steps).not.toContain('rotate');
    expect(steps).not.toContain('--user-name');
  });

  it('asks to deactivate, then delete, a superseded key', () => {
    expect(remediation({ verdict: 'superseded', user: 'bob', accessKeyId: 'AKIAEXAMPLE0000001' })).toEqual([
      'aws iam update-access-key --user-name bob --access-key-id AKIAEXAMPLE0000001 --status Inactive',
      'aws iam delete-access-key --user-name bob --access-key-id AKIAEXAMPLE0000001',
    ]);
  });
});

describe('evaluateKey: compromised (AWS quarantined the user)', () => {
  const quarantined = [
    {
      account: '123456789012',
      user: 'alice',
      quarantinePolicies: ['AWSCompromisedKeyQuarantineV3' as const],
    },
  ];

  it.each([
    ['a young active key', keyRecord()],
    ['an inactive key', keyRecord({ status: 'Inactive' })],
    ['an overdue key', keyRecord({ createdAt: createdDaysAgo(200) })],
  ])('judges %s of a quarantined user a compromised violation, naming the policy', (_, key) => {
    // Act
    const [finding] = evaluate([key], policy, AS_OF, quarantined);

    // Assess
    expect(finding).toMatchObject({ verdict: 'compromised', severity: 'violation' });
    expect(finding?.reason).toContain('AWS attached AWSCompromisedKeyQuarantineV3 to this user');
  });

  it('does not let an exemption hide a key AWS found exposed, and says so', () => {
    const config = parseConfig({ exemptions: [exemption] }, { asOf: AS_OF });

    const [finding] = evaluate([keyRecord()], config, AS_OF, quarantined);

    expect(finding?.verdict).toBe('compromised');
    expect(finding?.reason).toContain('the exemption until 2026-11-28 does not cover an exposed key');
  });

  it.each([
    ['not read', null],
    ['read and none attached', []],
  ])('judges by age alone when the quarantine was %s', (_, quarantinePolicies) => {
    const users = [{ account: '123456789012', user: 'alice', quarantinePolicies }];

    expect(evaluate([keyRecord()], policy, AS_OF, users)[0]?.verdict).toBe('compliant');
  });

  it('quarantines only the user AWS named, not another user of the same name in another account', () => {
    const elsewhere = keyRecord({ account: '210987654321' });

    const findings = evaluate([keyRecord(), elsewhere], policy, AS_OF, quarantined);

    expect(findings.map((f) => `${f.account} ${f.verdict}`).sort()).toEqual([
      '123456789012 compromised',
      '210987654321 compliant',
    ]);
  });

  it('tells how to replace the key and what is left for a person', () => {
    const steps = remediation({ verdict: 'compromised', user: 'alice', accessKeyId: 'AKIAEXPOSED' }).join(
      '\n',
    );

    expect(steps).toContain('keywarden rotate --user alice');
    expect(steps).toContain('review CloudTrail for use of AKIAEXPOSED');
    expect(steps).toContain('aws iam detach-user-policy --user-name alice');
  });
});
