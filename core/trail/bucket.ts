// What an S3 trail bucket is, read from S3, and what that means for a run about to write to it: the one rule
// (core/infra/worm.ts trailBucketProblems) applied to facts read the same way for `keywarden doctor` and for
// `keywarden rotate --trail-bucket`, so the two never judge a bucket differently.
import {
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describeError, isAwsError } from '../errors.js';
import { type TrailBucketFacts, trailBucketProblems } from '../infra/worm.js';

/** Object Lock, versioning and the bucket policy of `bucket` (a policy that cannot be read is 'unknown'). */
export async function readTrailBucketFacts(client: S3Client, bucket: string): Promise<TrailBucketFacts> {
  const lock = await client
    .send(new GetObjectLockConfigurationCommand({ Bucket: bucket }))
    .catch((err: unknown) => {
      // A bucket without Object Lock answers ObjectLockConfigurationNotFoundError.
      if (isAwsError(err, /ObjectLockConfigurationNotFound/)) return null;
      throw err;
    });
  const versioning = await client.send(new GetBucketVersioningCommand({ Bucket: bucket }));
  const policy = await client.send(new GetBucketPolicyCommand({ Bucket: bucket })).then(
    (answer): unknown => (answer.Policy ? JSON.parse(answer.Policy) : null),
    (err: unknown) => (isAwsError(err, /NoSuchBucketPolicy/) ? null : 'unknown'),
  );
  const rule = lock?.ObjectLockConfiguration?.Rule?.DefaultRetention;
  const mode = rule?.Mode === 'COMPLIANCE' || rule?.Mode === 'GOVERNANCE' ? rule.Mode : null;
  return {
    objectLockEnabled: lock?.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled',
    defaultRetentionMode: mode,
    defaultRetentionDays: rule?.Days ?? (rule?.Years !== undefined ? rule.Years * 365 : null),
    versioning:
      versioning.Status === 'Enabled' || versioning.Status === 'Suspended' ? versioning.Status : null,
    bucketPolicy: policy,
  };
}

/** What a run that is about to append to an S3 trail must know first. */
export interface TrailBucketVerdict {
  /** Records cannot be written there at all (no Object Lock: each record's retention is refused): stop first. */
  refusal: string | null;
  /** The bucket takes records but is not write-once by the rule doctor applies: say so once. */
  warning: string | null;
}

/**
 * The rule doctor FAILs a trail bucket by, for a run about to write to it. Without Object Lock S3 refuses every
 * record (each carries its retention), so the run must stop before it changes anything; any other shortfall lets
 * records be written but not kept write-once, which the run says once. Facts that cannot be read are said too.
 */
export async function judgeTrailBucket(
  client: S3Client,
  bucket: string,
  retentionDays: number,
): Promise<TrailBucketVerdict> {
  let facts: TrailBucketFacts;
  try {
    facts = await readTrailBucketFacts(client, bucket);
  } catch (err) {
    return {
      refusal: null,
      warning: `could not check that the trail bucket ${bucket} is write-once (${describeError(err)}); keywarden doctor checks it`,
    };
  }
  const problems = trailBucketProblems(facts, retentionDays);
  if (!facts.objectLockEnabled) {
    return {
      refusal: `the trail bucket ${bucket} has no Object Lock, so S3 refuses every trail record (each carries its retention): nothing changed; ${problems.map((p) => p.message).join(' ')}`,
      warning: null,
    };
  }
  return {
    refusal: null,
    warning:
      problems.length === 0
        ? null
        : `the trail bucket ${bucket} is not write-once: ${problems.map((p) => p.message).join(' ')} (keywarden doctor fails it by the same rule)`,
  };
}
