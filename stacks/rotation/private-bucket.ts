import * as aws from '@pulumi/aws';
import type { PolicyStatement } from '../../core/aws/iam-policy.js';

/**
 * What every bucket of the stack has: no public access and default encryption, as resources named
 * `<name>-public-access-block` and `<name>-encryption` (their names are their identities: URNs).
 */
export function keepPrivateAndEncrypted(name: string, bucket: aws.s3.Bucket): void {
  new aws.s3.BucketPublicAccessBlock(`${name}-public-access-block`, {
    bucket: bucket.bucket,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-encryption`, {
    bucket: bucket.bucket,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
  });
}

/** Every request to the bucket over TLS only. */
export function denyWithoutTls(partition: string, bucket: string): PolicyStatement {
  return {
    Sid: 'DenyWithoutTls',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 's3:*',
    Resource: [`arn:${partition}:s3:::${bucket}`, `arn:${partition}:s3:::${bucket}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}
