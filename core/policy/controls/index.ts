import { SETTING_DEFAULTS } from '../settings.js';
import { type ControlRef, VERDICTS, type Verdict } from '../verdicts.js';
import { ANNEX11 } from './annex11.js';
import { AWS_CONFIG } from './aws-config.js';
import { CIS_V3 } from './cis-v3.0.0.js';
import { CIS_V5 } from './cis-v5.0.0.js';
import { CIS_V6 } from './cis-v6.0.0.js';
import { CIS_V7 } from './cis-v7.0.0.js';
import { FSBP } from './fsbp.js';
import type { Check, Framework, FrameworkControl } from './model.js';
import { PART11 } from './part11.js';

export type { Check, Framework, FrameworkControl } from './model.js';

/** The CIS AWS Foundations Benchmark versions keywarden maps, newest first; one data file each. */
export const CIS_VERSIONS = ['v7.0.0', 'v6.0.0', 'v5.0.0', 'v3.0.0'] as const;
export type CisVersion = (typeof CIS_VERSIONS)[number];
export const CIS_BENCHMARKS: Readonly<Record<CisVersion, Framework>> = {
  'v7.0.0': CIS_V7,
  'v6.0.0': CIS_V6,
  'v5.0.0': CIS_V5,
  'v3.0.0': CIS_V3,
};

/** Which versions of a versioned framework findings carry (keywarden.yml `frameworks:`). */
export interface FrameworkSelection {
  cis: readonly CisVersion[];
}

/** Every framework keywarden knows, for looking a control up by its key (findings carry only the selected). */
export const FRAMEWORKS: readonly Framework[] = [
  PART11,
  ANNEX11,
  ...Object.values(CIS_BENCHMARKS),
  FSBP,
  AWS_CONFIG,
];

/** The frameworks findings carry for a selection, in the order their controls are listed. */
export function frameworksFor(selection: FrameworkSelection): Framework[] {
  return [PART11, ANNEX11, ...selection.cis.map((version) => CIS_BENCHMARKS[version]), FSBP, AWS_CONFIG];
}

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

/** Computed once per selection (a run has one): controlsFor is called for every key. */
const bySelection = new Map<string, ReadonlyMap<Verdict, readonly ControlRef[]>>();

function controlsByVerdict(selection: FrameworkSelection): ReadonlyMap<Verdict, readonly ControlRef[]> {
  const id = selection.cis.join(',');
  let table = bySelection.get(id);
  if (!table) {
    const frameworks = frameworksFor(selection);
    table = new Map(
      VERDICTS.map((verdict) => [
        verdict,
        frameworks.flatMap((framework) =>
          framework.controls
            .filter((control) => control.checks.some((check) => CHECKS_OF_VERDICT[verdict].includes(check)))
            .map((control) => ({ framework: framework.key, id: control.id })),
        ),
      ]),
    );
    bySelection.set(id, table);
  }
  return table;
}

/**
 * The controls a finding with this verdict serves under the selected frameworks (a fresh array each call:
 * findings may be changed). A verdict no control of a selected version covers simply has none of it.
 */
export function controlsFor(
  verdict: Verdict,
  selection: FrameworkSelection = SETTING_DEFAULTS.frameworks,
): ControlRef[] {
  return (controlsByVerdict(selection).get(verdict) ?? []).map((control) => ({ ...control }));
}

export function frameworkOf(key: string): Framework | undefined {
  return FRAMEWORKS.find((framework) => framework.key === key);
}

export function controlOf(ref: ControlRef): FrameworkControl | undefined {
  return frameworkOf(ref.framework)?.controls.find((control) => control.id === ref.id);
}

/** The known frameworks the controls name, in FRAMEWORKS order. */
function frameworksNamed(controls: readonly ControlRef[]): Framework[] {
  const keys = new Set(controls.map((ref) => ref.framework));
  return FRAMEWORKS.filter((framework) => keys.has(framework.key));
}

/** "CIS" alone, or "CIS v7.0.0" where the list names two versions of one framework. */
function labelsOf(frameworks: readonly Framework[]): Map<string, string> {
  const count = new Map<string, number>();
  for (const framework of frameworks) {
    count.set(framework.abbreviation, (count.get(framework.abbreviation) ?? 0) + 1);
  }
  return new Map(
    frameworks.map((framework) => [
      framework.key,
      (count.get(framework.abbreviation) ?? 0) > 1
        ? `${framework.abbreviation} ${framework.version}`
        : framework.abbreviation,
    ]),
  );
}

/**
 * "21 CFR 11.300(b), Annex 11 12.1, CIS 2.12, FSBP IAM.3": a finding's controls in one short line. `among`
 * are the controls of every finding shown together, so that one table names a framework one way throughout.
 */
export function controlsShort(
  controls: readonly ControlRef[],
  among: readonly ControlRef[] = controls,
): string {
  return controlsLabeller([...among, ...controls])(controls);
}

/**
 * controlsShort for every row of one table: the labels are worked out once from the controls of all its rows
 * (`among`), not again for each row (a pack of 10,000 findings has about 50,000 controls).
 */
export function controlsLabeller(among: readonly ControlRef[]): (controls: readonly ControlRef[]) => string {
  const labels = labelsOf(frameworksNamed(among));
  return (controls) =>
    controls.map((ref) => `${labels.get(ref.framework) ?? ref.framework} ${ref.id}`).join(', ');
}

/**
 * What the labels of controlsShort stand for, with the versions mapped, for the frameworks these controls name
 * ("21 CFR" needs no key).
 */
export function frameworkLegend(controls: readonly ControlRef[]): string {
  const frameworks = frameworksNamed(controls);
  const labels = labelsOf(frameworks);
  return frameworks
    .filter((framework) => framework.key !== PART11.key)
    .map(
      (framework) =>
        `${labels.get(framework.key) ?? framework.abbreviation} = ${framework.name}${framework.version ? ` ${framework.version}` : ''}`,
    )
    .join('; ');
}
