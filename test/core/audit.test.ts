import { describe, expect, it } from 'vitest';
import { auditOutcome } from '../../core/audit.js';

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
