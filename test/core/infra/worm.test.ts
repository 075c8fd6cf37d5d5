import { describe, expect, it } from 'vitest';
import {
  type TrailBucketFacts,
  trailBucketProblems,
  wormBucketStatements,
} from '../../../core/infra/worm.js';

const compliant = (): TrailBucketFacts => ({
  objectLockEnabled: true,
  defaultRetentionMode: 'COMPLIANCE',
  defaultRetentionDays: 2557,
  versioning: 'Enabled',
  bucketPolicy: { Version: '2012-10-17', Statement: wormBucketStatements('aws', 'trail') },
});
const fields = (facts: TrailBucketFacts) => trailBucketProblems(facts, 2557).map((problem) => problem.field);

describe('trailBucketProblems', () => {
  it('finds nothing wrong with a COMPLIANCE-locked, versioned bucket whose policy refuses deletes and overwrites', () => {
    expect(trailBucketProblems(compliant(), 2557)).toEqual([]);
  });

  it('rejects GOVERNANCE mode, naming the fix', () => {
    const problems = trailBucketProblems({ ...compliant(), defaultRetentionMode: 'GOVERNANCE' }, 2557);

    expect(problems).toEqual([
      {
        field: 'defaultRetentionMode',
        message:
          "The trail bucket's default retention is GOVERNANCE mode, which privileged users can bypass: set COMPLIANCE mode for 2557 days (trail.retentionDays).",
      },
    ]);
  });

  it('rejects a retention shorter than required, no Object Lock, and versioning that is not Enabled', () => {
    expect(fields({ ...compliant(), defaultRetentionDays: 30 })).toEqual(['defaultRetentionDays']);
    expect(fields({ ...compliant(), objectLockEnabled: false })).toEqual(['objectLockEnabled']);
    expect(fields({ ...compliant(), versioning: 'Suspended' })).toEqual(['versioning']);
    expect(fields({ ...compliant(), defaultRetentionMode: null, defaultRetentionDays: null })).toEqual([
      'defaultRetentionMode',
    ]);
  });

  it('rejects a bucket without a policy: deletes and overwrites are both open', () => {
    expect(fields({ ...compliant(), bucketPolicy: null })).toEqual(['bucketPolicy', 'bucketPolicy']);
  });

  it('accepts the policy as JSON text, and leaves an unreadable policy to the caller', () => {
    expect(fields({ ...compliant(), bucketPolicy: JSON.stringify(compliant().bucketPolicy) })).toEqual([]);
    expect(fields({ ...compliant(), bucketPolicy: 'unknown' })).toEqual([]);
  });
});
