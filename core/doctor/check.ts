import { describeError } from '../errors.js';
import { TOOL } from '../version.js';

/** pass · warn (works, but a person should look) · fail · skip ("could not check": no proof either way). */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  status: CheckStatus;
  detail: string;
  /** What to do about a warn or fail: a command where there is one. */
  fix?: string | undefined;
  /** A title that names the subject ("user alice", "trail (file …)"); default: the check's title. */
  title?: string;
}

/** One troubleshooting step as data: doctor runs the list in order. */
export interface DoctorCheck<Context> {
  id: string;
  title: string;
  /** False: the check does not apply to this run (not shown, not counted). */
  applies?: (context: Context) => boolean | Promise<boolean>;
  run(context: Context): Promise<CheckResult>;
}

/** Thrown inside a check when what it needs was not available (another check reports why). */
export class PrerequisiteMissing extends Error {
  override name = 'PrerequisiteMissing';
}

export interface CheckOutcome {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  fix: string | null;
}

export interface DoctorCounts {
  passed: number;
  warned: number;
  failed: number;
  skipped: number;
}

/** `keywarden doctor --format json` (schemaVersion 1; docs/rotation.md, "keywarden doctor", documents it). */
export interface DoctorReport {
  schemaVersion: 1;
  tool: typeof TOOL;
  checkedAt: string;
  summary: DoctorCounts;
  checks: CheckOutcome[];
}

/** Runs the checks in order; a check that throws is reported as failed, never swallowed. */
export async function runChecks<Context>(
  checks: readonly DoctorCheck<Context>[],
  context: Context,
  options: { now: Date; onOutcome?: (outcome: CheckOutcome) => void },
): Promise<DoctorReport> {
  const outcomes: CheckOutcome[] = [];
  for (const check of checks) {
    if (check.applies && !(await check.applies(context))) continue;
    let result: CheckResult;
    try {
      result = await check.run(context);
    } catch (err) {
      result =
        err instanceof PrerequisiteMissing
          ? { status: 'skip', detail: `not checked: ${err.message}` }
          : { status: 'fail', detail: `the check itself failed: ${describeError(err)}` };
    }
    const outcome: CheckOutcome = {
      id: check.id,
      title: result.title ?? check.title,
      status: result.status,
      detail: result.detail,
      fix: result.fix ?? null,
    };
    outcomes.push(outcome);
    options.onOutcome?.(outcome);
  }
  return {
    schemaVersion: 1,
    tool: TOOL,
    checkedAt: options.now.toISOString(),
    summary: countOutcomes(outcomes),
    checks: outcomes,
  };
}

export function countOutcomes(outcomes: readonly CheckOutcome[]): DoctorCounts {
  const count = (status: CheckStatus) => outcomes.filter((outcome) => outcome.status === status).length;
  return { passed: count('pass'), warned: count('warn'), failed: count('fail'), skipped: count('skip') };
}

/** The closing line: every count, so that skipped checks are never read as passed. */
export function summaryLine(counts: DoctorCounts): string {
  return `${counts.passed} passed, ${counts.warned} warned, ${counts.failed} failed, ${counts.skipped} skipped`;
}

/** 0 no check failed · 1 a check failed (warnings and skips do not fail). */
export function doctorExitCode(counts: DoctorCounts): 0 | 1 {
  return counts.failed > 0 ? 1 : 0;
}
