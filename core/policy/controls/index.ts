import type { ControlRef, Verdict } from '../verdicts.js';
import { AWS_CONFIG } from './aws-config.js';
import { CIS } from './cis.js';
import { FSBP } from './fsbp.js';
import type { Check, Framework, FrameworkControl } from './model.js';
import { PART11 } from './part11.js';

export type { Check, Framework, FrameworkControl } from './model.js';

/** Every framework keywarden maps to, in the order findings list their controls. */
export const FRAMEWORKS: readonly Framework[] = [PART11, CIS, FSBP, AWS_CONFIG];

/**
 * The checks a verdict speaks for. A failing verdict names the one check it failed; a compliant (or exempt)
 * key was judged against every check a user's key faces (the root check concerns the root user's keys only).
 */
export const CHECKS_OF_VERDICT: Readonly<Record<Verdict, readonly Check[]>> = {
  'root-key': ['root-key'],
  // Judged only where the quarantine policies were read, so a compliant key does not claim it.
  compromised: ['compromised'],
  overdue: ['rotation'],
  expiring: ['rotation'],
  superseded: ['one-active-key'],
  unused: ['unused'],
  stale: ['inactive-key'],
  compliant: ['rotation', 'one-active-key', 'unused'],
  exempt: ['rotation', 'one-active-key', 'unused'],
};

const BY_VERDICT = new Map<Verdict, ControlRef[]>(
  (Object.keys(CHECKS_OF_VERDICT) as Verdict[]).map((verdict) => [
    verdict,
    FRAMEWORKS.flatMap((framework) =>
      framework.controls
        .filter((control) => control.checks.some((check) => CHECKS_OF_VERDICT[verdict].includes(check)))
        .map((control) => ({ framework: framework.key, id: control.id })),
    ),
  ]),
);

/** The controls a finding with this verdict serves (a fresh array each call: findings may be changed). */
export function controlsFor(verdict: Verdict): ControlRef[] {
  return (BY_VERDICT.get(verdict) ?? []).map((control) => ({ ...control }));
}

export function frameworkOf(key: string): Framework | undefined {
  return FRAMEWORKS.find((framework) => framework.key === key);
}

export function controlOf(ref: ControlRef): FrameworkControl | undefined {
  return frameworkOf(ref.framework)?.controls.find((control) => control.id === ref.id);
}

/** "CIS 1.14, FSBP IAM.3, Config access-keys-rotated": a finding's controls in one short line. */
export function controlsShort(controls: readonly ControlRef[]): string {
  return controls
    .map((ref) => `${frameworkOf(ref.framework)?.abbreviation ?? ref.framework} ${ref.id}`)
    .join(', ');
}

/** What the abbreviations of controlsShort stand for, with the versions mapped ("21 CFR" needs no key). */
export function frameworkLegend(): string {
  return FRAMEWORKS.filter((framework) => framework.key !== PART11.key)
    .map(
      (framework) =>
        `${framework.abbreviation} = ${framework.name}${framework.version ? ` ${framework.version}` : ''}`,
    )
    .join('; ');
}
