import { describe, expect, it } from 'vitest';
import {
  type DoctorCheck,
  doctorExitCode,
  PrerequisiteMissing,
  runChecks,
  summaryLine,
} from '../../../core/doctor/check.js';
import { secretNameProblem } from '../../../core/rotation/index.js';

const now = new Date('2026-06-01T12:00:00Z');
const check = (id: string, run: DoctorCheck<null>['run'], applies?: () => boolean): DoctorCheck<null> => ({
  id,
  title: id,
  run,
  ...(applies ? { applies } : {}),
});

describe('runChecks', () => {
  it('reports a check that throws as failed, naming the error, and goes on', async () => {
    const checks = [
      check('broken', async () => {
        throw new Error('boom');
      }),
      check('fine', async () => ({ status: 'pass', detail: 'ok' })),
    ];

    const report = await runChecks(checks, null, { now });

    expect(report.checks).toEqual([
      { id: 'broken', title: 'broken', status: 'fail', detail: 'the check itself failed: boom', fix: null },
      { id: 'fine', title: 'fine', status: 'pass', detail: 'ok', fix: null },
    ]);
  });

  it('skips a check whose prerequisite is missing, and leaves out one that does not apply', async () => {
    const checks = [
      check('needs-credentials', async () => {
        throw new PrerequisiteMissing('needs credentials');
      }),
      check(
        'not-here',
        async () => ({ status: 'fail', detail: 'never run' }),
        () => false,
      ),
    ];

    const report = await runChecks(checks, null, { now });

    expect(report.checks).toEqual([
      {
        id: 'needs-credentials',
        title: 'needs-credentials',
        status: 'skip',
        detail: 'not checked: needs credentials',
        fix: null,
      },
    ]);
    expect(report.summary).toEqual({ passed: 0, warned: 0, failed: 0, skipped: 1 });
  });

  it('counts every status in the closing line and fails only on a failed check', async () => {
    const checks = (['pass', 'warn', 'skip', 'pass'] as const).map((status, index) =>
      check(`c${index}`, async () => ({ status, detail: status })),
    );

    const report = await runChecks(checks, null, { now });

    expect(summaryLine(report.summary)).toBe('2 passed, 1 warned, 0 failed, 1 skipped');
    expect(doctorExitCode(report.summary)).toBe(0);
    expect(doctorExitCode({ ...report.summary, failed: 1 })).toBe(1);
  });
});

describe('secretNameProblem, as doctor uses it', () => {
  it('maps a comma injectively and refuses only what is no IAM user name', () => {
    expect(secretNameProblem('svc,legacy')).toBeNull();
    expect(secretNameProblem('svc+ci=prod.team@example-1_x')).toBeNull();
    expect(secretNameProblem('no/slash')).not.toBeNull();
  });
});
