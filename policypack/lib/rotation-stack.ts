import type { PolicyResource, StackValidationArgs } from '@pulumi/policy';
import {
  COMPONENT_TAG_KEY,
  PURPOSE_TAG_KEY,
  StackComponent,
  StackPurpose,
} from '../../core/infra/stack-tags.js';
import { AwsType, known, refersTo, tagOf } from './resources.js';

const rotationTag = `${COMPONENT_TAG_KEY}=${StackComponent.rotation}`;

/** Whether a resource carries the tag that keywarden's rotation stack puts on its resources. */
export function isRotationResource(resource: PolicyResource): boolean {
  return tagOf(resource.props, COMPONENT_TAG_KEY) === StackComponent.rotation;
}

/**
 * The rotation functions of the stack; a stack without one is not a rotation stack, and the stack checks
 * answer "not applicable" for it.
 */
export function rotationFunctionsOrNotApplicable(args: StackValidationArgs): PolicyResource[] {
  const functions = args.resources.filter(
    (resource) => resource.type === AwsType.lambdaFunction && isRotationResource(resource),
  );
  if (functions.length === 0) {
    args.notApplicable(
      `the stack deploys no keywarden rotation function (a Lambda function tagged ${rotationTag})`,
    );
  }
  return functions;
}

/** How a developer finds a resource in the preview: its type and name. */
export function describe(resource: PolicyResource): string {
  return `${resource.type.split(':').pop()} "${resource.name}"`;
}

/** The role the function runs as (by reference, else by a literal ARN equal to a role's). */
export function executionRole(fn: PolicyResource, resources: PolicyResource[]): PolicyResource | undefined {
  return resources.find(
    (resource) => resource.type === AwsType.role && refersTo(fn, 'role', resource, ['arn']),
  );
}

/** The stack's S3 buckets of the rotation component marked with `purpose`. */
function bucketsFor(purpose: StackPurpose, resources: PolicyResource[]): PolicyResource[] {
  return resources.filter(
    (resource) =>
      (resource.type === AwsType.bucket || resource.type === AwsType.bucketV2) &&
      isRotationResource(resource) &&
      tagOf(resource.props, PURPOSE_TAG_KEY) === purpose,
  );
}

/** The stack's trail buckets: S3 buckets of the rotation component marked as the audit trail. */
export const trailBuckets = (resources: PolicyResource[]) => bucketsFor(StackPurpose.trailBucket, resources);

/** The stack's lease buckets: S3 buckets of the rotation component marked as the per-user leases. */
export const leaseBuckets = (resources: PolicyResource[]) => bucketsFor(StackPurpose.leaseBucket, resources);

export const leaseBucketTag = `${COMPONENT_TAG_KEY}=${StackComponent.rotation}, ${PURPOSE_TAG_KEY}=${StackPurpose.leaseBucket}`;

/** The function's name when known (for messages and the /aws/lambda/<name> log group). */
export function functionName(fn: PolicyResource): string | undefined {
  const name = known(() => fn.props['name']);
  return typeof name === 'string' ? name : undefined;
}

export const trailBucketTag = `${COMPONENT_TAG_KEY}=${StackComponent.rotation}, ${PURPOSE_TAG_KEY}=${StackPurpose.trailBucket}`;

/**
 * The log groups the function writes to: the one its `loggingConfig.logGroup` names, the one it depends on,
 * or the one named `/aws/lambda/<function name>` that Lambda uses by default.
 */
export function functionLogGroups(fn: PolicyResource, resources: PolicyResource[]): PolicyResource[] {
  const name = functionName(fn);
  return resources.filter(
    (resource) =>
      resource.type === AwsType.logGroup &&
      (refersTo(fn, 'loggingConfig.logGroup', resource, ['name']) ||
        fn.dependencies.includes(resource) ||
        (name !== undefined && known(() => resource.props['name']) === `/aws/lambda/${name}`)),
  );
}
