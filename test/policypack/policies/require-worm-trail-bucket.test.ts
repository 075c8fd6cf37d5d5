import { describe, expect, it } from 'vitest';
import { requireWormTrailBucket } from '../../../policypack/policies/require-worm-trail-bucket.js';
import { changing, compliantRotationStack, runStackPolicy, without } from '../fixtures.js';

const lock = (defaultRetention: Record<string, unknown>) =>
  changing(compliantRotationStack(), 'trail-lock', (l) => ({ ...l, rule: { defaultRetention } }));
const messages = (stack = compliantRotationStack(), config = {}) =>
  runStackPolicy(requireWormTrailBucket, stack, config).violations.map((v) => v.message);

describe('require-worm-trail-bucket', () => {
  it('accepts a trail bucket with Object Lock in COMPLIANCE mode for the retention, and versioning', () => {
    expect(messages()).toEqual([]);
  });

  it('rejects a bucket created without Object Lock', () => {
    const stack = changing(compliantRotationStack(), 'trail', (b) => ({ ...b, objectLockEnabled: false }));

    expect(messages(stack)).toEqual([
      'Trail Bucket "trail" is created without Object Lock: set objectLockEnabled: true (it can only be enabled when the bucket is created).',
    ]);
  });

  it('rejects GOVERNANCE mode, which privileged users can bypass', () => {
    expect(messages(lock({ mode: 'GOVERNANCE', days: 2557 }))).toEqual([
      'Trail Bucket "trail" has default retention GOVERNANCE 2557 days 0 years: add an aws.s3.BucketObjectLockConfiguration with rule.defaultRetention { mode: "COMPLIANCE", days: 2557 } (trail.retentionDays).',
    ]);
  });

  it('rejects a retention shorter than trail.retentionDays', () => {
    expect(messages(lock({ mode: 'COMPLIANCE', days: 30 }))).toHaveLength(1);
    expect(messages(lock({ mode: 'COMPLIANCE', years: 7 }))).toHaveLength(1);
    expect(messages(lock({ mode: 'COMPLIANCE', years: 8 }))).toEqual([]);
  });

  it('measures the retention against the configured trail.retentionDays', () => {
    expect(messages(lock({ mode: 'COMPLIANCE', days: 30 }), { trail: { retentionDays: 30 } })).toEqual([]);
  });

  it('rejects a bucket without a default retention', () => {
    expect(messages(without(compliantRotationStack(), 'trail-lock'))[0]).toContain(
      'has no default Object Lock retention',
    );
  });

  it('rejects suspended versioning', () => {
    const stack = changing(compliantRotationStack(), 'trail-versioning', (v) => ({
      ...v,
      versioningConfiguration: { status: 'Suspended' },
    }));

    expect(messages(stack)).toEqual([
      'Trail Bucket "trail" has no versioning: add an aws.s3.BucketVersioning with versioningConfiguration.status "Enabled".',
    ]);
  });

  it('rejects a rotation stack without a bucket marked as the trail', () => {
    const stack = changing(compliantRotationStack(), 'trail', (b) => ({
      ...b,
      tags: { 'keywarden:component': 'rotation' },
    }));

    expect(messages(stack)).toEqual([
      'Function "rotation" has no trail bucket in the stack: add an aws.s3.Bucket tagged keywarden:component=rotation, keywarden:purpose=audit-trail with Object Lock (COMPLIANCE) and versioning.',
    ]);
  });

  it('accepts the deprecated inline Object Lock and versioning blocks', () => {
    const stack = changing(
      without(without(compliantRotationStack(), 'trail-lock'), 'trail-versioning'),
      'trail',
      (b) => ({
        ...b,
        objectLockConfiguration: {
          objectLockEnabled: 'Enabled',
          rule: { defaultRetention: { mode: 'COMPLIANCE', days: 2557 } },
        },
        versioning: { enabled: true },
      }),
    );

    expect(messages(stack)).toEqual([]);
  });
});
