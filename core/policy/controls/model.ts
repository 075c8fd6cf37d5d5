/**
 * What keywarden checks on a key, in framework-neutral words. Each framework file maps its controls to these
 * checks; core/policy/controls/index.ts maps verdicts to checks. Nothing here is written inside the verdict rule.
 */
export const CHECKS = [
  'root-key',
  'compromised',
  'rotation',
  'inactive-key',
  'one-active-key',
  'unused',
] as const;
export type Check = (typeof CHECKS)[number];

export interface FrameworkControl {
  id: string;
  title: string;
  /** The keywarden checks that serve this control (empty: the control is served elsewhere, not by a key check). */
  checks: readonly Check[];
}

export interface Framework {
  /** The key findings carry in `controls[].framework` (the JSON report of docs/design.md). */
  key: string;
  name: string;
  /** The version mapped ('' where the framework has none, as AWS Config's managed rules). */
  version: string;
  /** How a short list names the framework: "CIS 2.12", "FSBP IAM.3". */
  abbreviation: string;
  /** Where the IDs and titles below were read from (the published text, or the catalogue that reproduces it). */
  source: string;
  controls: readonly FrameworkControl[];
}

/** A clause of a regulation (21 CFR Part 11, EU GMP Annex 11) and the part of keywarden that serves it. */
export interface RegulatoryClause {
  clause: string;
  meaning: string;
  servedBy: string;
}
