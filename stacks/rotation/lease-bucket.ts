import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { PolicyDocument } from '../../core/aws/iam-policy.js';
import { componentTags, StackComponent, StackPurpose } from '../../core/infra/stack-tags.js';
import type { RotationContext } from './context.js';
import { denyWithoutTls, keepPrivateAndEncrypted } from './private-bucket.js';

/**
 * The lease bucket: one small object per user, rewritten by conditional requests whenever a run takes,
 * renews or releases a user's lease (core/rotation/lease.ts). No Object Lock and no versioning (each
 * renewal replaces the object), no public access, encryption, TLS only. Nothing in it outlives a run's
 * purpose, so it goes with the stack.
 */
export function leaseBucket({ partition }: RotationContext): aws.s3.Bucket {
  const bucket = new aws.s3.Bucket('leases', {
    forceDestroy: true,
    tags: componentTags(StackComponent.rotation, StackPurpose.leaseBucket),
  });
  keepPrivateAndEncrypted('leases', bucket);
  new aws.s3.BucketPolicy('leases-tls-only', {
    bucket: bucket.bucket,
    policy: pulumi
      .all([partition, bucket.bucket])
      .apply(([partitionName, name]) => JSON.stringify(leaseBucketPolicy(partitionName, name))),
  });
  return bucket;
}

/** TLS only. */
export function leaseBucketPolicy(partition: string, bucket: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [denyWithoutTls(partition, bucket)],
  };
}
