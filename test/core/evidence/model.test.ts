import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildEvidence, defaultPeriod, resolvePeriod } from '../../../core/evidence/model.js';
import { PART11_MAPPING } from '../../../core/policy/controls/part11.js';
import {
  FIXTURE_ACCOUNT,
  FIXTURE_CONFIG,
  FIXTURE_SECOND_ACCOUNT,
  fixtureAccountsEvidenceInput,
  fixtureEvidenceInput,
} from '../../support/evidence-fixture.js';

describe('buildEvidence', () => {
  it('shows only this account’s trail records dated within the period, in sequence order', async () => {
    // Prepare
    const input = await fixtureEvidenceInput();

    // Act
    const model = buildEvidence(input);

    // Assess
    expect(model.trail.events.map((record) => record.seq)).toEqual([2, 3, 5]);
    expect(model.trail.otherAccountEvents).toBe(1);
  });

  it('digests the config text exactly as read, so sha256sum of the file matches', async () => {
    const model = buildEvidence(await fixtureEvidenceInput());

    const expected = createHash('sha256').update(readFileSync(FIXTURE_CONFIG)).digest('hex');
    expect(model.config).toEqual({ origin: 'keywarden.yml', sha256: expected });
  });

  it('says the defaults applied when there was no config file', async () => {
    const input = { ...(await fixtureEvidenceInput()), configFile: null };

    const model = buildEvidence(input);

    expect(model.config).toEqual({ origin: null, sha256: null });
  });

  it('marks an exemption expired the day after its expiry date and keeps its approver', async () => {
    const model = buildEvidence(await fixtureEvidenceInput());

    const byUser = Object.fromEntries(model.exemptions.map((e) => [e.user, e]));
    expect(byUser['legacy-report']).toMatchObject({ expired: true, approvedBy: 'qa-lead@example.com' });
    expect(byUser['svc-vendor-appliance']).toMatchObject({ expired: false, expiresOn: '2027-03-31' });
  });

  it('puts a broken trail first among the critical headlines, naming the first bad seq', async () => {
    const input = await fixtureEvidenceInput({
      check: { intact: false, records: 5, firstBadSeq: 3, problem: 'hash does not match the record' },
    });

    const model = buildEvidence(input);

    expect(model.attention[0]?.level).toBe('critical');
    expect(model.attention[0]?.text).toContain('BROKEN');
    expect(model.attention[0]?.text).toContain('seq 3');
  });

  it('heads the evidence with a root access key as critical, apart from overdue keys', async () => {
    // Prepare
    const input = await fixtureEvidenceInput();
    input.report = {
      ...input.report,
      summary: { ...input.report.summary, 'root-key': 1, violations: input.report.summary.violations + 1 },
    };

    // Act
    const model = buildEvidence(input);

    // Assess
    const critical = model.attention.filter((item) => item.level === 'critical').map((item) => item.text);
    expect(critical[0]).toBe(
      'The root account has an access key; no root access key may exist (CIS v7.0.0 2.4, Security Hub IAM.4): delete it.',
    );
    expect(critical[1]).toMatch(/^2 active access keys are overdue/);
  });

  it('carries the controls of every finding', async () => {
    const model = buildEvidence(await fixtureEvidenceInput());

    for (const finding of model.findings) expect(finding.controls.length).toBeGreaterThan(0);
  });

  it('warns when the period holds no trail records of the account', async () => {
    const input = await fixtureEvidenceInput();
    input.period = { from: new Date('2025-01-01T00:00:00Z'), to: new Date('2025-02-01T00:00:00Z') };

    const model = buildEvidence(input);

    expect(model.trail.events).toEqual([]);
    expect(
      model.attention.some((item) => item.level === 'warning' && item.text.includes('No rotation records')),
    ).toBe(true);
  });

  it('carries every clause of the Part 11 mapping, each pointing at the record in the pack or a dash', async () => {
    const model = buildEvidence(await fixtureEvidenceInput());

    expect(model.part11.map((row) => row.clause)).toEqual(PART11_MAPPING.map((row) => row.clause));
    expect(model.part11.find((row) => row.clause === '11.10(e)')?.inThisPack).toContain('trail');
  });
});

describe('defaultPeriod', () => {
  it('covers one maxKeyAgeDays cycle ending at the audit instant', () => {
    const asOf = new Date('2026-11-28T09:00:00Z');

    const period = defaultPeriod(asOf, 90);

    expect(period).toEqual({ from: new Date('2026-08-30T09:00:00Z'), to: asOf });
  });
});

describe('resolvePeriod', () => {
  const asOf = new Date('2026-11-28T09:00:00Z');

  it('reads a --to date as the end of that UTC day and a --from date as its start', () => {
    const period = resolvePeriod({ from: '2026-10-01', to: '2026-10-31' }, asOf, 90);

    expect(period).toEqual({
      from: new Date('2026-10-01T00:00:00Z'),
      to: new Date('2026-10-31T23:59:59.999Z'),
    });
  });

  it('defaults the start to one maxKeyAgeDays cycle before the end', () => {
    const period = resolvePeriod({ to: '2026-10-31T12:00:00Z' }, asOf, 30);

    expect(period.from).toEqual(new Date('2026-10-01T12:00:00Z'));
  });

  it('throws a usage error naming both ends when --from is after --to', () => {
    expect(() => resolvePeriod({ from: '2026-11-02', to: '2026-11-01' }, asOf, 90)).toThrow(
      /^--from 2026-11-02T00:00:00.000Z is after --to 2026-11-01T23:59:59.999Z$/,
    );
  });

  it('throws a usage error naming the flag when a date is not a date', () => {
    expect(() => resolvePeriod({ from: 'last tuesday' }, asOf, 90)).toThrow(/^--from: "last tuesday"/);
  });
});

describe('buildEvidence over several accounts', () => {
  it('gives each account its own keys and its own trail records, and counts only the others', async () => {
    // Prepare
    const input = await fixtureAccountsEvidenceInput();

    // Act
    const model = buildEvidence(input);

    // Assess
    expect(model.accounts?.map((entry) => [entry.account, entry.name])).toEqual([
      [FIXTURE_ACCOUNT, 'research'],
      [FIXTURE_SECOND_ACCOUNT, null],
    ]);
    const [first, second] = model.accounts ?? [];
    expect(new Set(first?.findings.map((f) => f.account))).toEqual(new Set([FIXTURE_ACCOUNT]));
    expect(new Set(second?.findings.map((f) => f.user))).toEqual(new Set(['reader', 'ci-deployer']));
    expect((first?.findings.length ?? 0) + (second?.findings.length ?? 0)).toBe(model.findings.length);
    expect(first?.events.map((record) => record.seq)).toEqual([2, 3, 5]);
    expect(second?.events.map((record) => record.seq)).toEqual([4]);
    expect(model.trail.otherAccountEvents).toBe(0);
  });

  it('leaves a pack of one account without accounts, as it always was', async () => {
    const model = buildEvidence(await fixtureEvidenceInput());

    expect(model).not.toHaveProperty('accounts');
  });

  it('names the accounts that hold overdue keys and those without trail records in the period', async () => {
    // Prepare
    const input = await fixtureAccountsEvidenceInput();
    input.trail.records = input.trail.records.filter((record) => record.account === FIXTURE_ACCOUNT);

    // Act
    const texts = buildEvidence(input).attention.map((item) => item.text);

    // Assess
    expect(texts.find((text) => text.includes('overdue for rotation'))).toMatch(
      new RegExp(`, in 1 account: ${FIXTURE_ACCOUNT}\\.$`),
    );
    expect(texts).toContain(
      `No rotation records in the period for 1 of 2 accounts: the trail has none between 2026-09-01T00:00:00.000Z and 2026-11-28T09:00:00.000Z for ${FIXTURE_SECOND_ACCOUNT}.`,
    );
  });
});

describe('buildEvidence over several accounts with their own trails', () => {
  it('shows each account the records of its own trail and names a broken one first among the headlines', async () => {
    // Prepare: the second account's own trail, broken at seq 2; the first account keeps the pack trail's records.
    const input = await fixtureAccountsEvidenceInput();
    const own = {
      location: `s3://keywarden-trail-${FIXTURE_SECOND_ACCOUNT}/trail/`,
      records: [
        { ...input.trail.records[3]!, seq: 1, account: FIXTURE_SECOND_ACCOUNT },
        { ...input.trail.records[3]!, seq: 2, account: '999999999999' },
      ],
      check: {
        intact: false as const,
        records: 2,
        firstBadSeq: 2,
        problem: 'hash does not match the record',
      },
    };
    input.accountTrails = new Map([[FIXTURE_SECOND_ACCOUNT, own]]);

    // Act
    const model = buildEvidence(input);

    // Assess
    const [first, second] = model.accounts ?? [];
    expect(first?.trail).toBeUndefined();
    expect(first?.events.map((record) => record.seq)).toEqual([2, 3, 5]);
    expect(second?.trail).toEqual({ location: own.location, check: own.check, otherAccountEvents: 1 });
    expect(second?.events.map((record) => record.seq)).toEqual([1]);
    expect(model.attention[0]).toEqual({
      level: 'critical',
      text: expect.stringContaining(
        `The audit trail of account ${FIXTURE_SECOND_ACCOUNT} (${own.location}) is BROKEN: verification failed at record seq 2`,
      ),
    });
  });
});
