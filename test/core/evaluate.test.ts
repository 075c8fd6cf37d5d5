import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config.js';
import { evaluate, evaluateKey, failsAt, remediation, summarize } from '../../core/evaluate.js';
import { AS_OF, createdDaysAgo, keyRecord } from '../support/records.js';

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
});
