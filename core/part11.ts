/**
 * The 21 CFR Part 11 mapping of DESIGN.md: which clause each part of keywarden serves.
 * One copy, read by the evidence pack (and by anything else that shows the mapping).
 */
export interface Part11Clause {
  clause: string;
  meaning: string;
  servedBy: string;
}

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
