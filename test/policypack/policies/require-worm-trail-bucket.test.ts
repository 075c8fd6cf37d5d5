import { describe, expect, it } from 'vitest';
import { requireWormTrailBucket } from '../../../policypack/policies/require-worm-trail-bucket.js';
import { UNKNOWN } from '../../support/policy-harness.js';
import {
  changing,
  compliantRotationStack,
  compliantTrailBucketPolicy,
  runStackPolicy,
  without,
} from '../fixtures.js';

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

  describe('the bucket policy', () => {
    type Statement = (typeof compliantTrailBucketPolicy.Statement)[number];
    const withStatements = (change: (statements: Statement[]) => unknown[]) =>
      changing(compliantRotationStack(), 'trail-policy', (p) => ({
        ...p,
        policy: JSON.stringify({
          ...compliantTrailBucketPolicy,
          Statement: change(structuredClone(compliantTrailBucketPolicy.Statement)),
        }),
      }));
    const bySid = (statements: Statement[], sid: string) => {
      const found = statements.find((s) => s.Sid === sid);
      if (!found) throw new Error(`no statement ${sid}`);
      return found;
    };

    it('rejects a trail bucket without a bucket policy', () => {
      expect(messages(without(compliantRotationStack(), 'trail-policy'))).toEqual([
        expect.stringMatching(
          /^Trail Bucket "trail" does not deny, in its bucket policy, s3:DeleteObject and s3:DeleteObjectVersion to every principal/,
        ),
        expect.stringMatching(
          /^Trail Bucket "trail" does not deny, in its bucket policy, s3:PutObject without If-None-Match/,
        ),
      ]);
    });

    it('rejects a policy that lets anyone delete a version', () => {
      const stack = withStatements((s) => {
        bySid(s, 'NoOneDeletesARecord').Action = ['s3:DeleteObject'];
        return s;
      });

      expect(messages(stack)).toEqual([
        expect.stringContaining(
          'does not deny, in its bucket policy, s3:DeleteObjectVersion to every principal',
        ),
      ]);
    });

    it('rejects a delete deny that applies to one principal only', () => {
      const stack = withStatements((s) => {
        bySid(s, 'NoOneDeletesARecord').Principal = { AWS: 'arn:aws:iam::123456789012:role/x' };
        return s;
      });

      expect(messages(stack)).toEqual([
        expect.stringContaining('s3:DeleteObject and s3:DeleteObjectVersion'),
      ]);
    });

    it('rejects a delete deny under a condition, which leaves deletes open when it does not hold', () => {
      const stack = withStatements((s) => {
        Object.assign(bySid(s, 'NoOneDeletesARecord'), {
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        });
        return s;
      });

      expect(messages(stack)).toHaveLength(1);
    });

    it('rejects a policy that lets anyone overwrite a record (no If-None-Match deny)', () => {
      const stack = withStatements((s) => s.filter((st) => st.Sid !== 'NoOneOverwritesARecord'));

      expect(messages(stack)).toEqual([
        'Trail Bucket "trail" does not deny, in its bucket policy, s3:PutObject without If-None-Match, so a record can be overwritten by a new version: add a statement {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::<bucket>/*", "Condition": {"Null": {"s3:if-none-match": "true"}}} (an aws.s3.BucketPolicy).',
      ]);
    });

    it('rejects a PutObject deny on another condition key', () => {
      const stack = withStatements((s) => {
        bySid(s, 'NoOneOverwritesARecord').Condition = { StringNotEqualsIfExists: { 's3:if-match': '*' } };
        return s;
      });

      expect(messages(stack)).toEqual([expect.stringContaining('s3:PutObject without If-None-Match')]);
    });

    it('accepts the Null form of the If-None-Match condition and a wildcard delete action', () => {
      const stack = withStatements((s) => {
        bySid(s, 'NoOneOverwritesARecord').Condition = { Null: { 's3:if-none-match': 'true' } };
        bySid(s, 'NoOneDeletesARecord').Action = ['s3:Delete*'];
        return s;
      });

      expect(messages(stack)).toEqual([]);
    });

    it('does not judge a bucket policy that is unknown during preview', () => {
      const stack = changing(compliantRotationStack(), 'trail-policy', (p) => ({ ...p, policy: UNKNOWN }));

      expect(messages(stack)).toEqual([]);
    });
  });
});
