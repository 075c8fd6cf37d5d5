import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditOutcome } from '../../../core/audit/report.js';
import { runAudit } from '../../../core/audit/run.js';
import { parseConfig } from '../../../core/policy/schema.js';

const clean = { account: '123456789012', summary: { violations: 0, warnings: 0 }, gaps: [] };
const gap = { scope: 'user:bob', reason: 'ListAccessKeys: AccessDenied' };
const detail = { detail: "see the report's gaps" };

describe('auditOutcome', () => {
  it('passes a complete audit with nothing at or above --fail-on, with no closing line', () => {
    expect(auditOutcome(clean, 'violation', detail)).toEqual({ exitCode: 0, message: null });
  });

  it.each([
    [{ violations: 1, warnings: 0 }, 'violation', 1],
    [{ violations: 0, warnings: 3 }, 'violation', 0],
    [{ violations: 0, warnings: 3 }, 'warning', 1],
    [{ violations: 2, warnings: 2 }, 'never', 0],
  ] as const)('with %o and --fail-on %s exits %i', (summary, failOn, exitCode) => {
    expect(auditOutcome({ ...clean, summary }, failOn, detail).exitCode).toBe(exitCode);
  });

  it('counts what failed in its closing message', () => {
    const outcome = auditOutcome({ ...clean, summary: { violations: 2, warnings: 1 } }, 'warning', detail);

    expect(outcome.message).toBe('2 violations and 1 warning in account 123456789012 (fail-on: warning)');
  });

  it('makes any gap an incomplete audit (exit 3), even with violations and --fail-on never', () => {
    const outcome = auditOutcome(
      { ...clean, summary: { violations: 4, warnings: 0 }, gaps: [gap] },
      'never',
      { detail: 'see the job summary', incompleteConsequence: 'no issue was closed' },
    );

    expect(outcome).toEqual({
      exitCode: 3,
      message:
        'audit incomplete: 1 part of account 123456789012 could not be read; no issue was closed (see the job summary)',
    });
  });

  it('makes a finding Security Hub refused an incomplete audit (exit 3), above --fail-on', () => {
    const outcome = auditOutcome(
      { ...clean, summary: { violations: 1, warnings: 0 }, refusedFindings: 2 },
      'violation',
      detail,
    );

    expect(outcome).toEqual({
      exitCode: 3,
      message: 'Security Hub refused 2 findings of account 123456789012: not every finding is there',
    });
  });
});

describe('runAudit on a crafted credential report (offline)', () => {
  const HEADER =
    'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
  const asOf = new Date('2026-11-28T00:00:00Z');

  it('judges both root keys, one fresh and active, one inactive, root-key violations, and fails the audit', async () => {
    // Prepare: a root row with a key created yesterday (active) and an inactive one; moto has no root row.
    const dir = mkdtempSync(join(tmpdir(), 'keywarden-root-'));
    writeFileSync(
      join(dir, 'report.csv'),
      `${HEADER}\n<root_account>,arn:aws:iam::123456789012:root,2019-10-14T20:48:00+00:00,not_supported,N/A,not_supported,not_supported,true,true,2026-11-27T00:00:00+00:00,N/A,N/A,N/A,false,2026-11-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A\n`,
    );

    // Act
    const report = await runAudit({
      config: parseConfig({}, { asOf }),
      asOf,
      source: 'credential-report',
      credentialReportFile: join(dir, 'report.csv'),
    });

    // Assess
    expect(report.findings.map((f) => [f.status, f.verdict, f.severity])).toEqual([
      ['Inactive', 'root-key', 'violation'],
      ['Active', 'root-key', 'violation'],
    ]);
    expect(report.summary).toMatchObject({ users: 0, keys: 2, 'root-key': 2, violations: 2 });
    expect(auditOutcome(report, 'violation', { detail: '' }).exitCode).toBe(1);
  });
});
