import type { Check, Framework, RegulatoryClause } from './model.js';

/**
 * EU GMP Annex 11 "Computerised Systems" (EudraLex Volume 4), the version in force since 30 June 2011 and
 * adopted unchanged by PIC/S (PE 009, Annex 11): the clauses keywarden serves, in one wording that the evidence
 * pack and the README's mapping table read. A revised Annex 11 was published in draft for public consultation
 * on 7 July 2025 (comments until 7 October 2025), restructured into chapters such as Identity and Access
 * Management, Audit Trails and Security; adoption was planned for 2026. Until the revised text applies, the 2011
 * clause numbers below are the ones an inspector cites; a revised text will be a new version of this file.
 */
export const ANNEX11_MAPPING: readonly RegulatoryClause[] = [
  {
    clause: '7.1',
    meaning:
      'data secured by physical and electronic means against damage; stored data checked for accessibility, readability and accuracy; access ensured throughout the retention period',
    servedBy:
      'trail records write-once (S3 Object Lock, COMPLIANCE mode, retention from config), optionally KMS-signed; `trail verify` re-checks every record; keys stored in Secrets Manager, readable by their owner only',
  },
  {
    clause: '9',
    meaning:
      'audit trail of GMP-relevant changes and deletions, with the reason documented; available, convertible to a generally intelligible form and regularly reviewed',
    servedBy:
      'a trail record for every key creation, deactivation and deletion, with its reason; the evidence pack renders the records of a period for review',
  },
  {
    clause: '10',
    meaning:
      'changes to a computerised system, including its configuration, made only in a controlled manner',
    servedBy: 'policy and exemptions as reviewed config in git; the policy pack checks the stacks at preview',
  },
  {
    clause: '12.1',
    meaning:
      'physical and/or logical controls restrict access to the computerised system to authorised persons (personal codes with passwords among them)',
    servedBy:
      'audit + rotation within maxKeyAgeDays; root, unused and second keys flagged; keys delivered only to their owner',
  },
  {
    clause: '12.3',
    meaning: 'creation, change and cancellation of access authorisations recorded',
    servedBy:
      'trail records `key.create`, `key.deactivate`, `key.delete` (and `recovered` when a crash is repaired)',
  },
  {
    clause: '12.4',
    meaning:
      'the identity of operators entering, changing, confirming or deleting data recorded, with date and time',
    servedBy:
      'every trail record names its actor (the caller ARN or the rotation function) and its time; signed records bind them to the KMS key',
  },
];

/** Which key checks serve which clause: every check on a key restricts access to authorised persons. */
const CHECKS_OF_CLAUSE: Readonly<Record<string, readonly Check[]>> = {
  '12.1': ['root-key', 'compromised', 'rotation', 'inactive-key', 'one-active-key', 'unused'],
};

export const ANNEX11: Framework = {
  key: 'eu-gmp-annex-11',
  name: 'EU GMP Annex 11',
  version: '2011',
  abbreviation: 'Annex 11',
  source:
    'EudraLex Volume 4, EU Guidelines for Good Manufacturing Practice, Annex 11: Computerised Systems (European Commission, SANCO/C8/AM/sl/ares(2010)1064599, in force 30 June 2011)',
  controls: ANNEX11_MAPPING.map((row) => ({
    id: row.clause,
    title: row.meaning,
    checks: CHECKS_OF_CLAUSE[row.clause] ?? [],
  })),
};
