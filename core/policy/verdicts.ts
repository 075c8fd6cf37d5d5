// The verdicts of the policy and what a finding says of one key. The rule that gives them is evaluate.ts.
import type { KeyRecord } from '../inventory/records.js';

/**
 * Every verdict, in the precedence order of docs/design.md's verdict table (first match wins). `compromised` comes
 * before `exempt`: an exemption approves keeping a secret key longer than the policy allows; once AWS has found the
 * key exposed it is no longer secret, and no approval covers that. (The root account cannot be exempted, so
 * `root-key` before or after `exempt` is the same rule.)
 */
export const VERDICTS = [
  'root-key',
  'compromised',
  'exempt',
  'overdue',
  'expiring',
  'superseded',
  'unused',
  'stale',
  'compliant',
] as const;
export type Verdict = (typeof VERDICTS)[number];
export type Severity = 'violation' | 'warning' | 'ok';

/** A control of a compliance framework that a finding serves (the mappings live in core/policy/controls). */
export interface ControlRef {
  framework: string;
  id: string;
}

export interface Finding extends KeyRecord {
  ageDays: number;
  verdict: Verdict;
  severity: Severity;
  reason: string;
  /** The control IDs this finding serves, from core/policy/controls (one data file per framework). */
  controls: ControlRef[];
}
