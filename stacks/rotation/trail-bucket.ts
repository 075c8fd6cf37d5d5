import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { PolicyDocument } from '../../core/aws/iam-policy.js';
import { componentTags, StackComponent, StackPurpose } from '../../core/infra/stack-tags.js';
import { wormBucketStatements } from '../../core/infra/worm.js';
import type { RotationContext } from './context.js';
import { denyWithoutTls, keepPrivateAndEncrypted } from './private-bucket.js';

/**
 * The write-once trail bucket: Object Lock in COMPLIANCE mode for trail.retentionDays, versioning, no public
 * access, encryption, and a policy that refuses deletes, delete markers and overwrites (core/infra/worm.ts).
 * Kept when the stack is destroyed: the records must outlive it.
 */
export function trailBucket({ settings, trail, partition }: RotationContext): aws.s3.Bucket {
  const bucket = new aws.s3.Bucket(
    'trail',
    {
      ...(settings.trailBucketName ? { bucket: settings.trailBucketName } : {}),
      objectLockEnabled: true,
      tags: componentTags(StackComponent.rotation, StackPurpose.trailBucket),
    },
    { retainOnDelete: true },
  );
  new aws.s3.BucketVersioning('trail-versioning', {
    bucket: bucket.bucket,
    versioningConfiguration: { status: 'Enabled' },
  });
  new aws.s3.BucketObjectLockConfiguration('trail-object-lock', {
    bucket: bucket.bucket,
    objectLockEnabled: 'Enabled',
    rule: { defaultRetention: { mode: 'COMPLIANCE', days: trail.retentionDays } },
  });
  keepPrivateAndEncrypted('trail', bucket);
  // Its logical name dates from when it only required TLS; the name is the resource's identity (URN).
  new aws.s3.BucketPolicy('trail-tls-only', {
    bucket: bucket.bucket,
    policy: pulumi
      .all([partition, bucket.bucket])
      .apply(([partitionName, name]) => JSON.stringify(trailBucketPolicy(partitionName, name))),
  });
  return bucket;
}

/** TLS only, and the write-once denies of core/infra/worm.ts. */
export function trailBucketPolicy(partition: string, bucket: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [denyWithoutTls(partition, bucket), ...wormBucketStatements(partition, bucket)],
  };
}
