import type { StackValidationPolicy } from '@pulumi/policy';
import { keywardenConfigSchema, readKeywardenConfig } from '../lib/config.js';
import { AwsType, part11, validateStackWith } from '../lib/resources.js';
import {
  describe,
  leaseBuckets,
  leaseBucketTag,
  rotationFunctionsOrNotApplicable,
} from '../lib/rotation-stack.js';

/**
 * Requires the rotation stack to have the bucket of its per-user leases (core/rotation/lease.ts), without
 * Object Lock: overlapping runs (the function, a person's keywarden rotate, another machine) take turns on a
 * user through it, so that no run undoes another's work, strands a key or records a change twice.
 *
 * @severity high
 * @enforcementLevel mandatory
 * @framework 21 CFR Part 11 11.10(e)
 */
export const requireRotationLeaseBucket: StackValidationPolicy = {
  name: 'require-rotation-lease-bucket',
  description:
    'Requires the keywarden rotation stack to have an S3 bucket for its per-user leases, without Object Lock, through which overlapping rotation runs take turns on each user, so that every key change is made once and recorded once in the audit trail, as 21 CFR 11.10(e) requires.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: part11('11.10(e)'),
  configSchema: keywardenConfigSchema,
  validateStack: validateStackWith(AwsType.lambdaFunction, (args, reportViolation) => {
    const config = readKeywardenConfig(args, 'require-rotation-lease-bucket', reportViolation);
    if (!config) return;
    const [fn] = rotationFunctionsOrNotApplicable(args);
    if (!fn) return;
    const buckets = leaseBuckets(args.resources);
    if (buckets.length === 0) {
      reportViolation(
        `${describe(fn)} has no lease bucket in the stack: add an aws.s3.Bucket tagged ${leaseBucketTag}, without Object Lock, and name it in the function's rotation.lease.bucket.`,
        fn.urn,
      );
    }
    for (const bucket of buckets) {
      if (bucket.props['objectLockEnabled'] === true) {
        reportViolation(
          `Lease ${describe(bucket)} has Object Lock: each lease renewal replaces its object, which Object Lock would keep for years; use a bucket without it.`,
          bucket.urn,
        );
      }
    }
  }),
};
