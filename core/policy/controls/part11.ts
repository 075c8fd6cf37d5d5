import type { Framework, RegulatoryClause } from './model.js';

/**
 * The 21 CFR Part 11 mapping (docs/design.md, "21 CFR Part 11"): which clause each part of keywarden serves, in one wording that
 * the evidence pack, the policy pack's framework metadata and the issue bodies all read.
 */
export type Part11Clause = RegulatoryClause;

export const PART11_MAPPING: readonly Part11Clause[] = [
  {
    clause: '11.10(d)',
    meaning: 'limit access to authorised individuals',
    servedBy: 'least-privilege roles; keys delivered only to their owner',
  },
  {
    clause: '11.10(e)',
    meaning:
      'secure, time-stamped audit trail of create/modify/delete, not obscuring earlier entries, retained',
    servedBy: 'hash-chained WORM trail, `trail verify`',
  },
  {
    clause: '11.10(g)',
    meaning: 'authority checks',
    servedBy: 'policy pack blocks unmanaged keys at preview; scoped rotation role',
  },
  {
    clause: '11.10(k)',
    meaning: 'controls over documentation / change control',
    servedBy: 'policy and exemptions as reviewed config in git',
  },
  {
    clause: '11.300(b)',
    meaning: 'identification codes / passwords periodically checked, recalled or revised',
    servedBy: 'audit + rotation within maxKeyAgeDays',
  },
  {
    clause: '11.300(c)',
    meaning: 'deauthorise lost or compromised credentials, issue replacements',
    servedBy: '`keywarden rotate` (manual, immediate)',
  },
  {
    clause: '11.300(d)',
    meaning: 'detect and report unauthorised-use attempts urgently',
    servedBy: 'auto-filed issues, SNS notices, alarms',
  },
];

/** The clause's one wording; throws for a clause that is not in the table (a typo in a policy, say). */
export function part11Meaning(clause: string): string {
  const row = PART11_MAPPING.find((entry) => entry.clause === clause);
  if (!row) throw new Error(`21 CFR Part 11 clause ${clause} is not in core/policy/controls/part11.ts`);
  return row.meaning;
}

/**
 * Which key checks serve which clause: a root key, an unused key or an exposed key is access beyond what is
 * authorised; an exposed key (AWS's quarantine) is a compromised credential to deauthorise and replace
 * (11.300(c)), found and reported urgently (11.300(d)).
 */
const CHECKS_OF_CLAUSE: Readonly<Record<string, Framework['controls'][number]['checks']>> = {
  '11.10(d)': ['root-key', 'compromised', 'unused'],
  '11.300(b)': ['rotation', 'inactive-key', 'one-active-key', 'unused'],
  '11.300(c)': ['compromised'],
  '11.300(d)': ['compromised'],
};

export const PART11: Framework = {
  key: '21-cfr-part-11',
  name: '21 CFR Part 11',
  version: '1997',
  abbreviation: '21 CFR',
  source:
    'Code of Federal Regulations, Title 21, Part 11: Electronic Records; Electronic Signatures (FDA, 62 FR 13464, 20 March 1997)',
  controls: PART11_MAPPING.map((row) => ({
    id: row.clause,
    title: row.meaning,
    checks: CHECKS_OF_CLAUSE[row.clause] ?? [],
  })),
};
