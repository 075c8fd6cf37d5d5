// Pure ARN helpers, apart from core/aws/clients.ts so that reading an ARN (an offline audit does) never loads the AWS SDK.
import { UsageError } from '../errors.js';

/** The 12-digit account of an IAM ARN (any partition), or 'unknown'. */
export function accountFromArn(arn: string): string {
  return /^arn:aws[\w-]*:iam::(\d{12}):/.exec(arn)?.[1] ?? 'unknown';
}

/** The partition of an ARN (aws, aws-cn, aws-us-gov …), e.g. the caller's, so roles are named where it is. */
export function partitionOf(arn: string): string {
  const partition = /^arn:(aws[\w-]*):/.exec(arn)?.[1];
  if (!partition) throw new UsageError(`cannot tell the AWS partition from the caller's ARN ${arn}`);
  return partition;
}

/** The partition of a region: China (`cn-…`), GovCloud (`us-gov-…`), else the commercial `aws`. */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** A KMS key ARN (any partition): `arn:aws:kms:REGION:ACCOUNT:key/ID`; aliases and bare key IDs are not. */
export const KMS_KEY_ARN = /^arn:(aws[\w-]*):kms:([a-z0-9-]+):(\d{12}):key\/([A-Za-z0-9-]{1,128})$/;

/** The region of a KMS key ARN, or null when it is not one. */
export function regionOfKmsKeyArn(arn: string): string | null {
  return KMS_KEY_ARN.exec(arn)?.[2] ?? null;
}
