import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runAudit } from '../../core/audit.js';
import { parseConfig } from '../../core/config.js';
import type { Finding } from '../../core/types.js';
import { seedIam } from '../support/iam-seed.js';
import { type Moto, motoAvailable, startMoto } from '../support/moto.js';

const asOf = new Date('2026-06-01T12:00:00Z');
const config = parseConfig(
  {
    exemptions: [
      {
        user: 'exempt-user',
        reason: 'Appliance; CAPA-1',
        approvedBy: 'qa@example.com',
        expiresOn: '2026-12-31',
      },
      { user: 'expired-exempt', reason: 'Old CAPA-0', approvedBy: 'qa@example.com', expiresOn: '2026-05-31' },
    ],
  },
  { asOf },
);

describe.skipIf(!motoAvailable())('live audit against moto', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
    moto.useInThisProcess();
  });
  afterAll(async () => moto?.stop());
  beforeEach(async () => {
    await moto.reset();
    await seedIam(moto, asOf, [
      { name: 'age-0', keys: [{ ageDays: 0, lastUsedDaysAgo: 0 }] },
      { name: 'age-75', keys: [{ ageDays: 75, lastUsedDaysAgo: 1 }] },
      { name: 'age-77', keys: [{ ageDays: 77, lastUsedDaysAgo: 1 }] },
      { name: 'age-89', keys: [{ ageDays: 89, lastUsedDaysAgo: 1 }] },
      { name: 'age-91', keys: [{ ageDays: 91, lastUsedDaysAgo: 1 }] },
      { name: 'age-200', keys: [{ ageDays: 200, lastUsedDaysAgo: 3 }] },
      { name: 'inactive-old', keys: [{ ageDays: 120, status: 'Inactive' }] },
      { name: 'never-used', keys: [{ ageDays: 50 }] },
      { name: 'exempt-user', keys: [{ ageDays: 300, lastUsedDaysAgo: 1 }] },
      { name: 'expired-exempt', keys: [{ ageDays: 300, lastUsedDaysAgo: 1 }] },
      {
        name: 'two-keys',
        keys: [
          { ageDays: 95, lastUsedDaysAgo: 2 },
          { ageDays: 10, lastUsedDaysAgo: 1 },
        ],
      },
      { name: 'no-keys' },
    ]);
  });

  const verdictOf = (findings: Finding[], user: string, slot = 1) =>
    findings.find((f) => f.user === user && f.keySlot === slot)?.verdict;

  for (const source of ['api', 'credential-report'] as const) {
    it(`gives each key its verdict from the ${source} source`, async () => {
      const report = await runAudit({ config, asOf, source });
      const { findings } = report;
      expect(report.gaps).toEqual([]);
      expect(report.account).toMatch(/^\d{12}$/);
      expect(verdictOf(findings, 'age-0')).toBe('compliant');
      expect(verdictOf(findings, 'age-75')).toBe('compliant');
      expect(verdictOf(findings, 'age-77')).toBe('expiring');
      expect(verdictOf(findings, 'age-89')).toBe('expiring');
      expect(verdictOf(findings, 'age-91')).toBe('overdue');
      expect(verdictOf(findings, 'age-200')).toBe('overdue');
      expect(verdictOf(findings, 'inactive-old')).toBe('stale');
      expect(verdictOf(findings, 'never-used')).toBe('unused');
      expect(verdictOf(findings, 'exempt-user')).toBe('exempt');
      expect(verdictOf(findings, 'expired-exempt')).toBe('overdue');
      expect(verdictOf(findings, 'two-keys', 1)).toBe('overdue');
      expect(verdictOf(findings, 'two-keys', 2)).toBe('compliant');
      expect(findings.find((f) => f.user === 'age-91')?.ageDays).toBe(91);
      expect(report.summary).toMatchObject({
        users: 12,
        keys: 12,
        overdue: 4,
        expiring: 2,
        unused: 1,
        stale: 1,
        exempt: 1,
        compliant: 3,
      });
      // Flagged keys carry their IDs, looked up for the credential report too.
      for (const finding of findings.filter((f) => f.severity !== 'ok'))
        expect(finding.accessKeyId).toMatch(/^AKIA/);
    });
  }
});
