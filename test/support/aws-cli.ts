import { execFileSync } from 'node:child_process';

/**
 * Whether the real aws CLI can run here. Suites where it is the consumer under test need it; under CI=true a
 * missing CLI is an error, never a skip (a skip there would hide the proof).
 */
export function awsCliAvailable(neededFor: string): boolean {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI) throw new Error(`the aws CLI is not installed; CI requires it for ${neededFor}`);
    return false;
  }
}
