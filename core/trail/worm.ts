/**
 * The one WORM rule for the trail bucket (INTERFACES.md A): doctor checks a live bucket with it, the
 * policy pack and the stack check a planned one. Minimal version (doctor's branch); the stacks helper's
 * version, which adds the bucket-policy checks, replaces this file at merge.
 */
export interface TrailBucketFacts {
  objectLockEnabled: boolean;
  /** Default retention mode of the bucket's Object Lock configuration; null = no default retention. */
  defaultRetentionMode: 'COMPLIANCE' | 'GOVERNANCE' | null;
  /** Default retention in days (years × 365 when given in years); null = none. */
  defaultRetentionDays: number | null;
  versioning: 'Enabled' | 'Suspended' | null;
  /** The bucket policy as parsed JSON; null = none; 'unknown' = could not be read / not known at preview. */
  bucketPolicy: unknown | null | 'unknown';
}

export interface WormProblem {
  field: string;
  /** A full sentence with the fix. */
  message: string;
}

/** Empty = compliant. */
export function trailBucketProblems(facts: TrailBucketFacts, requiredRetentionDays: number): WormProblem[] {
  const problems: WormProblem[] = [];
  if (!facts.objectLockEnabled) {
    problems.push({
      field: 'objectLockEnabled',
      message:
        'Object Lock is not enabled on the trail bucket; create the bucket with Object Lock (the rotation stack does), it cannot be added to records already written.',
    });
  }
  if (facts.defaultRetentionMode === 'GOVERNANCE') {
    problems.push({
      field: 'defaultRetentionMode',
      message:
        'The default retention mode is GOVERNANCE, which a privileged user can bypass; set it to COMPLIANCE.',
    });
  }
  if (facts.defaultRetentionDays !== null && facts.defaultRetentionDays < requiredRetentionDays) {
    problems.push({
      field: 'defaultRetentionDays',
      message: `The default retention is ${facts.defaultRetentionDays} days, shorter than the required ${requiredRetentionDays} days; raise it to at least ${requiredRetentionDays} days.`,
    });
  }
  if (facts.versioning !== 'Enabled') {
    problems.push({
      field: 'versioning',
      message: `Versioning is ${facts.versioning ?? 'not enabled'} on the trail bucket; enable it (Object Lock requires it).`,
    });
  }
  return problems;
}
