import type { StackValidationPolicy } from '@pulumi/policy';
import { INFRA_POLICIES } from '../../core/infra/policies.js';
import { keywardenConfigSchema, readKeywardenConfig, trailRetentionDays } from '../lib/config.js';
import { AwsType, packPolicy, validateStackWith } from '../lib/resources.js';
import {
  describe,
  rotationFunctionsOrNotApplicable,
  trailBuckets,
  trailBucketTag,
} from '../lib/rotation-stack.js';
import { trailBucketProblems } from '../lib/trail-bucket.js';

/**
 * Requires the rotation stack's trail bucket to be write-once (the rule of core/infra/worm.ts, which doctor
 * applies too): Object Lock in COMPLIANCE mode with a default retention of at least `trail.retentionDays`,
 * versioning enabled, and a bucket policy that denies every principal object and version deletion and
 * `s3:PutObject` without `If-None-Match`, so a delete marker or an overwrite is refused, not merely detected.
 *
 * @severity high
 * @enforcementLevel mandatory
 * @framework 21 CFR Part 11 11.10(e)
 */
export const requireWormTrailBucket: StackValidationPolicy = {
  ...packPolicy(INFRA_POLICIES.requireWormTrailBucket),
  description: INFRA_POLICIES.requireWormTrailBucket.description,
  configSchema: keywardenConfigSchema,
  validateStack: validateStackWith(AwsType.lambdaFunction, (args, reportViolation) => {
    const config = readKeywardenConfig(args, 'require-worm-trail-bucket', reportViolation);
    if (!config) return;
    const [fn] = rotationFunctionsOrNotApplicable(args);
    const buckets = trailBuckets(args.resources);
    if (buckets.length === 0) {
      reportViolation(
        `${describe(fn!)} has no trail bucket in the stack: add an aws.s3.Bucket tagged ${trailBucketTag} with Object Lock (COMPLIANCE) and versioning.`,
        fn!.urn,
      );
    }
    for (const bucket of buckets) {
      for (const problem of trailBucketProblems(bucket, args.resources, trailRetentionDays(config))) {
        reportViolation(`Trail ${describe(bucket)} ${problem}.`, bucket.urn);
      }
    }
  }),
};
