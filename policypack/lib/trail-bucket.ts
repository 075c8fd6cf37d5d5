import type { PolicyResource } from '@pulumi/policy';
import {
  type DefaultRetention,
  declaredTrailBucketFacts,
  type TrailBucketFacts,
  type WormProblem,
  trailBucketProblems as wormProblems,
} from '../../core/infra/worm.js';
import { AwsType, numberAt, orUnknown, type Props, propsAt, refersTo, stringAt } from './resources.js';

const OBJECT_LOCKS = [AwsType.objectLock, AwsType.objectLockV2] as const;
const VERSIONINGS = [AwsType.versioning, AwsType.versioningV2] as const;
const BUCKET_POLICIES = [AwsType.bucketPolicy] as const;

/** Resources of the given types that configure `bucket` through their `bucket` property. */
function configuring(bucket: PolicyResource, resources: PolicyResource[], types: readonly string[]) {
  return resources.filter(
    (resource) => types.includes(resource.type) && refersTo(resource, 'bucket', bucket, ['bucket', 'id']),
  );
}

/** The default retentions that apply to the bucket: inline (deprecated shape) or from attached configurations. */
function defaultRetentions(bucket: PolicyResource, resources: PolicyResource[]): DefaultRetention[] {
  const inline = propsAt(
    propsAt(propsAt(bucket.props, 'objectLockConfiguration'), 'rule'),
    'defaultRetention',
  );
  const attached = configuring(bucket, resources, OBJECT_LOCKS).map((lock) =>
    propsAt(propsAt(lock.props, 'rule'), 'defaultRetention'),
  );
  return [inline, ...attached]
    .filter((retention): retention is Props => retention !== undefined)
    .map(retentionOf);
}

/** An Object Lock rule's `defaultRetention` ({ mode, days | years }), read field by field. */
function retentionOf(retention: Props): DefaultRetention {
  return {
    mode: stringAt(retention, 'mode'),
    days: numberAt(retention, 'days'),
    years: numberAt(retention, 'years'),
  };
}

function versioningEnabled(bucket: PolicyResource, resources: PolicyResource[]): boolean {
  if (propsAt(bucket.props, 'versioning')?.['enabled'] === true) return true;
  return configuring(bucket, resources, VERSIONINGS).some(
    (versioning) => stringAt(propsAt(versioning.props, 'versioningConfiguration'), 'status') === 'Enabled',
  );
}

/** What core/infra/worm.ts needs to know about the bucket, read from the stack. */
export function trailBucketFacts(
  bucket: PolicyResource,
  resources: PolicyResource[],
  days: number,
): TrailBucketFacts {
  return declaredTrailBucketFacts(
    {
      objectLockEnabled: bucket.props['objectLockEnabled'] === true,
      retentions: defaultRetentions(bucket, resources),
      versioningEnabled: versioningEnabled(bucket, resources),
      // Inline (deprecated shape) and attached statements together; unknown at preview.
      policies: [
        orUnknown(() => bucket.props['policy']),
        ...configuring(bucket, resources, BUCKET_POLICIES).map((policy) =>
          orUnknown(() => policy.props['policy']),
        ),
      ],
    },
    days,
  );
}

/**
 * Each way the trail bucket falls short of write-once storage (the rule of core/infra/worm.ts), phrased as
 * the change to the Pulumi program that fixes it.
 */
export function trailBucketProblems(
  bucket: PolicyResource,
  resources: PolicyResource[],
  days: number,
): string[] {
  const problems = wormProblems(trailBucketFacts(bucket, resources, days), days);
  const retentions = defaultRetentions(bucket, resources);
  const found = retentions
    .map((r) => `${r.mode ?? 'no mode'} ${r.days ?? 0} days ${r.years ?? 0} years`)
    .join('; ');
  const retentionProblem = `has ${found ? `default retention ${found}` : 'no default Object Lock retention'}: add an aws.s3.BucketObjectLockConfiguration with rule.defaultRetention { mode: "COMPLIANCE", days: ${days} } (trail.retentionDays)`;
  const phrased: Record<WormProblem['field'], (problem: WormProblem) => string> = {
    objectLockEnabled: () =>
      'is created without Object Lock: set objectLockEnabled: true (it can only be enabled when the bucket is created)',
    defaultRetentionMode: () => retentionProblem,
    defaultRetentionDays: () => retentionProblem,
    versioning: () =>
      'has no versioning: add an aws.s3.BucketVersioning with versioningConfiguration.status "Enabled"',
    bucketPolicy: (problem) =>
      `${problem.message
        .replace(/^The trail bucket's policy does not deny/, 'does not deny, in its bucket policy,')
        .replace(/\.$/, '')} (an aws.s3.BucketPolicy)`,
  };
  return problems.map((problem) => phrased[problem.field](problem));
}
