import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../core/audit/report.js';
import { runAudit } from '../../core/audit/run.js';
import { parseCredentialReport } from '../../core/inventory/credential-report.js';
import { ROOT_USER } from '../../core/inventory/records.js';
import { loadConfig } from '../../core/policy/load.js';
import type { Verdict } from '../../core/policy/verdicts.js';
import { wholeDaysBetween } from '../../core/time.js';
import { type SeedUser, seedIam } from '../support/iam-seed.js';
import { type Moto, motoAvailable, startMoto } from '../support/moto.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SAMPLE = 'examples/credential-report.csv';
const asOf = new Date('2026-11-28T00:00:00Z');

/** The sample account rebuilt in moto: same users, and keys of the same age, status and use. */
function seedFromSample(): SeedUser[] {
  const sample = parseCredentialReport(readFileSync(resolve(ROOT, SAMPLE), 'utf8'), SAMPLE);
  return sample.users.map(({ user }) => ({
    name: user,
    keys: sample.keys
      .filter((key) => key.user === user && key.user !== ROOT_USER)
      .map((key) => ({
        ageDays: wholeDaysBetween(key.createdAt, asOf),
        status: key.status,
        ...(key.lastUsedAt ? { lastUsedDaysAgo: wholeDaysBetween(key.lastUsedAt, asOf) } : {}),
      })),
  }));
}

/** A user's verdicts and ages, oldest key first (slots agree except where the sample's slot 1 is empty). */
const judged = (report: AuditReport, user: string) =>
  report.findings
    .filter((finding) => finding.user === user)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
    .map((finding) => `${finding.verdict} at ${finding.ageDays} days`);

describe.skipIf(!motoAvailable())('the sample report and a live audit of the same account in moto', () => {
  let moto: Moto;
  const reports: Record<'sample' | 'live credential report' | 'live API', AuditReport> = {} as never;

  beforeAll(async () => {
    moto = await startMoto();
    moto.useInThisProcess();
    await seedIam(moto, asOf, seedFromSample());
    const { config } = await loadConfig({ file: 'examples/keywarden.yml', cwd: ROOT, asOf });
    reports.sample = await runAudit({
      config,
      asOf,
      source: 'credential-report',
      credentialReportFile: SAMPLE,
      cwd: ROOT,
    });
    reports['live credential report'] = await runAudit({ config, asOf, source: 'credential-report' });
    reports['live API'] = await runAudit({ config, asOf, source: 'api' });
  });
  afterAll(async () => moto?.stop());

  const cases: [string, string, Verdict[]][] = [
    ['a key aged 0 days', 'alice', ['compliant']],
    ['a key aged 75 days', 'bob', ['compliant']],
    ['a key aged 77 days', 'carol', ['expiring']],
    ['a key aged 89 days', 'dave', ['expiring']],
    ['a key aged 91 days', 'erin', ['overdue']],
    ['a key aged 200 days', 'frank', ['overdue']],
    ['an inactive old key (beside an active new one)', 'heidi', ['stale', 'compliant']],
    ['an inactive young key', 'ivan', ['compliant']],
    ['a never-used key past unusedKeyDays', 'svc-reporting', ['unused']],
    ['a key last used 58 days ago (dormant)', 'svc-archive', ['unused']],
    ['an old active key beside a newer one 17 days old (superseded)', 'paul', ['superseded', 'compliant']],
    ['a never-used new key', 'new-hire', ['compliant']],
    ['an exempt user', 'svc-vendor-appliance', ['exempt']],
    ['a user on the last day of an exemption', 'svc-lab-instrument', ['exempt']],
    ['an expired-exempt user', 'svc-legacy-ftp', ['overdue']],
    ['a user with keys in both slots', 'grace', ['overdue', 'compliant']],
    ['a user without keys', 'oscar', []],
  ];

  it.each(cases)('agree on %s (%s: %j)', (_case, user, verdicts) => {
    // Assess: the sample says what the verdict table says, and both live sources say the same.
    const sample = judged(reports.sample, user);
    expect(sample.map((line) => line.split(' ')[0])).toEqual(verdicts);
    expect(judged(reports['live credential report'], user)).toEqual(sample);
    expect(judged(reports['live API'], user)).toEqual(sample);
  });

  it('agree on the summary of the whole account, but for the root key moto cannot have', () => {
    // moto's credential report has no root row and IAM's API lists no root user: the sample's root key is
    // judged offline only (see the root-key case below).
    const withoutRoot = {
      ...reports.sample.summary,
      keys: reports.sample.summary.keys - 1,
      'root-key': 0,
      violations: reports.sample.summary.violations - 1,
    };
    expect(reports['live credential report'].summary).toEqual(withoutRoot);
    expect(reports['live API'].summary).toEqual(withoutRoot);
    expect(reports.sample.summary).toMatchObject({
      users: 19,
      keys: 21,
      'root-key': 1,
      overdue: 4,
      expiring: 2,
      superseded: 1,
      unused: 2,
      stale: 1,
      exempt: 2,
      compliant: 8,
    });
  });

  it('judges the sample report’s root key a root-key violation, offline', () => {
    expect(judged(reports.sample, ROOT_USER)).toEqual(['root-key at 7 days']);
    expect(reports.sample.findings.find((f) => f.user === ROOT_USER)?.severity).toBe('violation');
  });

  it('carry the key IDs of flagged keys in both live sources, and only there in the credential report', () => {
    for (const source of ['live credential report', 'live API'] as const) {
      for (const finding of reports[source].findings.filter((f) => f.severity !== 'ok'))
        expect(finding.accessKeyId).toMatch(/^AKIA/);
    }
    const reportIds = reports['live credential report'].findings.filter((f) => f.accessKeyId !== null);
    expect(reportIds.every((f) => f.severity !== 'ok')).toBe(true);
  });

  it('are complete', () => {
    for (const report of Object.values(reports)) expect(report.gaps).toEqual([]);
  });
});
