import type { PolicyResource } from '@pulumi/policy';
import { AwsType, refersTo } from './resources.js';

const OBJECT_LOCKS = [AwsType.objectLock, AwsType.objectLockV2] as const;
const VERSIONINGS = [AwsType.versioning, AwsType.versioningV2] as const;

interface DefaultRetention {
  mode?: string;
  days?: number;
  years?: number;
}

/** Resources of the given types that configure `bucket` through their `bucket` property. */
function configuring(bucket: PolicyResource, resources: PolicyResource[], types: readonly string[]) {
  return resources.filter(
    (resource) => types.includes(resource.type) && refersTo(resource, 'bucket', bucket, ['bucket', 'id']),
  );
}

/** The default retentions that apply to the bucket: inline (deprecated shape) or from attached configurations. */
function defaultRetentions(bucket: PolicyResource, resources: PolicyResource[]): DefaultRetention[] {
  const inline = (
    bucket.props['objectLockConfiguration'] as { rule?: { defaultRetention?: DefaultRetention } }
  )?.rule?.defaultRetention;
  const attached = configuring(bucket, resources, OBJECT_LOCKS).map(
    (lock) => (lock.props['rule'] as { defaultRetention?: DefaultRetention } | undefined)?.defaultRetention,
  );
  return [inline, ...attached].filter((retention): retention is DefaultRetention => retention !== undefined);
}

function versioningEnabled(bucket: PolicyResource, resources: PolicyResource[]): boolean {
  if ((bucket.props['versioning'] as { enabled?: boolean } | undefined)?.enabled === true) return true;
  return configuring(bucket, resources, VERSIONINGS).some(
    (versioning) =>
      (versioning.props['versioningConfiguration'] as { status?: string } | undefined)?.status === 'Enabled',
  );
}

/** Each way the trail bucket falls short of write-once storage, phrased as the change that fixes it. */
export function trailBucketProblems(
  bucket: PolicyResource,
  resources: PolicyResource[],
  days: number,
): string[] {
  const problems: string[] = [];
  if (bucket.props['objectLockEnabled'] !== true) {
    problems.push(
      'is created without Object Lock: set objectLockEnabled: true (it can only be enabled when the bucket is created)',
    );
  }
  const retentions = defaultRetentions(bucket, resources);
  const compliant = retentions.filter(
    (retention) =>
      retention.mode === 'COMPLIANCE' && (retention.days ?? 0) + (retention.years ?? 0) * 365 >= days,
  );
  if (compliant.length === 0) {
    const found = retentions
      .map((r) => `${r.mode ?? 'no mode'} ${r.days ?? 0} days ${r.years ?? 0} years`)
      .join('; ');
    problems.push(
      `has ${found ? `default retention ${found}` : 'no default Object Lock retention'}: add an aws.s3.BucketObjectLockConfiguration with rule.defaultRetention { mode: "COMPLIANCE", days: ${days} } (trail.retentionDays)`,
    );
  }
  if (!versioningEnabled(bucket, resources)) {
    problems.push(
      'has no versioning: add an aws.s3.BucketVersioning with versioningConfiguration.status "Enabled"',
    );
  }
  return problems;
}
