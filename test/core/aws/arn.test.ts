import { describe, expect, it } from 'vitest';
import { accountFromArn, partitionOf, partitionOfRegion } from '../../../core/aws/arn.js';
import { UsageError } from '../../../core/errors.js';

describe('ARNs', () => {
  it('takes the partition from the caller ARN, so member roles are named in the same partition', () => {
    // Assess
    expect(partitionOf('arn:aws-us-gov:sts::111111111111:assumed-role/hub/s')).toBe('aws-us-gov');
    expect(partitionOf('arn:aws-cn:iam::111111111111:user/x')).toBe('aws-cn');
    expect(partitionOf('arn:aws:iam::111111111111:user/x')).toBe('aws');
  });

  it('refuses to guess the partition of something that is not an ARN', () => {
    // Assess
    expect(() => partitionOf('not-an-arn')).toThrow(UsageError);
    expect(() => partitionOf('not-an-arn')).toThrow(
      "cannot tell the AWS partition from the caller's ARN not-an-arn",
    );
  });

  it('takes the partition of a region from its prefix', () => {
    // Assess
    expect(partitionOfRegion('cn-north-1')).toBe('aws-cn');
    expect(partitionOfRegion('us-gov-west-1')).toBe('aws-us-gov');
    expect(partitionOfRegion('eu-west-1')).toBe('aws');
  });

  it('reads the account of an IAM ARN in any partition', () => {
    // Assess
    expect(accountFromArn('arn:aws-cn:iam::111111111111:user/x')).toBe('111111111111');
    expect(accountFromArn('x')).toBe('unknown');
  });
});
