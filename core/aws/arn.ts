// Pure ARN helpers, apart from core/aws/clients.ts so that reading an ARN (an offline audit does) never loads the AWS SDK.

/** The 12-digit account of an IAM ARN (any partition), or 'unknown'. */
export function accountFromArn(arn: string): string {
  return /^arn:aws[\w-]*:iam::(\d{12}):/.exec(arn)?.[1] ?? 'unknown';
}

/** The partition of an ARN (aws, aws-cn, aws-us-gov …); "aws" when it is not an ARN. */
export function partitionFromArn(arn: string): string {
  return /^arn:(aws[\w-]*):/.exec(arn)?.[1] ?? 'aws';
}
