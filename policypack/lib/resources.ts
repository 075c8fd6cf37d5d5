import type {
  PolicyComplianceFramework,
  PolicyResource,
  ResourceValidation,
  StackValidation,
} from '@pulumi/policy';
import type { InfraPolicy } from '../../core/infra/policies.js';
import { UNKNOWN, type Unknown } from '../../core/infra/unknown.js';
import { PART11, part11Meaning } from '../../core/policy/controls/part11.js';

/** Type tokens as `@pulumi/aws` 7 registers them (the pack does not load @pulumi/aws: it would slow every start). */
export const AwsType = {
  accessKey: 'aws:iam/accessKey:AccessKey',
  user: 'aws:iam/user:User',
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  rolePolicyAttachment: 'aws:iam/rolePolicyAttachment:RolePolicyAttachment',
  policy: 'aws:iam/policy:Policy',
  lambdaFunction: 'aws:lambda/function:Function',
  schedule: 'aws:scheduler/schedule:Schedule',
  logGroup: 'aws:cloudwatch/logGroup:LogGroup',
  bucket: 'aws:s3/bucket:Bucket',
  bucketV2: 'aws:s3/bucketV2:BucketV2',
  objectLock: 'aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration',
  objectLockV2: 'aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2',
  versioning: 'aws:s3/bucketVersioning:BucketVersioning',
  versioningV2: 'aws:s3/bucketVersioningV2:BucketVersioningV2',
  bucketPolicy: 'aws:s3/bucketPolicy:BucketPolicy',
  stackSet: 'aws:cloudformation/stackSet:StackSet',
  eventRule: 'aws:cloudwatch/eventRule:EventRule',
  eventTarget: 'aws:cloudwatch/eventTarget:EventTarget',
  eventBus: 'aws:cloudwatch/eventBus:EventBus',
  lambdaPermission: 'aws:lambda/permission:Permission',
} as const;

/**
 * Marks a validation as applying to one resource type, as `validateResourceOfType` does, so the analyzer
 * answers "not applicable" for other types without deserialising them (without loading @pulumi/aws).
 */
export function validateType(type: string, validate: ResourceValidation): ResourceValidation {
  return Object.assign(validate, { __pulumiType: type });
}

/** Marks a stack validation as needing a resource of `type`: stacks without one are "not applicable" at once. */
export function validateStackWith(type: string, validate: StackValidation): StackValidation {
  return Object.assign(validate, { __pulumiType: type });
}

/**
 * A value that may be unknown during preview, or undefined while it is. Only for values the decision can do
 * without; reading a needed value directly lets the analyzer turn "unknown" into an advisory.
 */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (isUnknownValueError(err)) return undefined;
    throw err;
  }
}

/** The value `read` returns, or core's UNKNOWN when it is not known yet (preview), so a check can tell absent from unknown. */
export function orUnknown<T>(read: () => T): T | Unknown {
  try {
    return read();
  } catch (err) {
    if (isUnknownValueError(err)) return UNKNOWN;
    throw err;
  }
}

/** @pulumi/policy throws this (an internal class, hence the structural test) when a read hits an unknown. */
function isUnknownValueError(err: unknown): boolean {
  return err instanceof Error && err.constructor.name === 'UnknownValueError' && 'unknownTypeSentinel' in err;
}

export type Props = Record<string, unknown>;

/**
 * Resource properties are data the engine sent, read where a policy needs them: an object is read as its
 * properties, and each reader below gives a value of the type asked for or undefined, never a cast. A read
 * still touches the property itself, so an unknown during preview throws where it did (see `known`).
 */
export function isProps(value: unknown): value is Props {
  return typeof value === 'object' && value !== null;
}

/** The object at `key`, else undefined. */
export function propsAt(props: unknown, key: string): Props | undefined {
  const value = isProps(props) ? props[key] : undefined;
  return isProps(value) ? value : undefined;
}

/** The string at `key`, else undefined. */
export function stringAt(props: unknown, key: string): string | undefined {
  const value = isProps(props) ? props[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** The number at `key`, else undefined. */
export function numberAt(props: unknown, key: string): number | undefined {
  const value = isProps(props) ? props[key] : undefined;
  return typeof value === 'number' ? value : undefined;
}

/** The list at `key` (an absent one is empty). */
export function listAt(props: unknown, key: string): unknown[] {
  const value = isProps(props) ? props[key] : undefined;
  return Array.isArray(value) ? value : [];
}

/** A tag from `tags`, else from `tagsAll` (provider default tags) when that is already known. */
export function tagOf(props: Props, key: string): string | undefined {
  return stringAt(propsAt(props, 'tags'), key) ?? known(() => stringAt(propsAt(props, 'tagsAll'), key));
}

/**
 * Whether `resource` points at `target` through the property at `path` (e.g. `target.arn`): by the engine's
 * dependencies of its top-level property, else by the same known value (a name or ARN written out literally).
 */
export function refersTo(
  resource: PolicyResource,
  path: string,
  target: PolicyResource,
  targetProps: string[],
) {
  if (resource.propertyDependencies[path.split('.')[0]!]?.includes(target)) return true;
  const value = known(() => valueAt(resource.props, path));
  if (typeof value !== 'string' || value === '') return false;
  return targetProps.some((name) => known(() => target.props[name]) === value);
}

function valueAt(props: Props, path: string): unknown {
  return path.split('.').reduce<unknown>((value, part) => (isProps(value) ? value[part] : undefined), props);
}

/** The one framework every keywarden policy serves, with the clause that the policy enforces. */
export function part11(clause: string): PolicyComplianceFramework {
  return {
    name: PART11.name,
    version: PART11.version,
    reference: clause,
    specification: part11Meaning(clause),
  };
}

/** A policy's name, level, severity and framework as core/infra/policies.ts holds them (one source for every surface). */
export function packPolicy(policy: InfraPolicy) {
  return {
    name: policy.name,
    enforcementLevel: policy.enforcementLevel,
    severity: policy.severity,
    framework: part11(policy.clause),
  };
}
