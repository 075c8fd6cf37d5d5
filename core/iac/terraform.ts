/**
 * Terraform and OpenTofu plans as `terraform show -json PLANFILE` writes them: each resource change's planned
 * values (`change.after`) with the ones known only at apply time (`change.after_unknown`) read as UNKNOWN.
 */
import * as z from 'zod';
import { UsageError } from '../errors.js';
import { PURPOSE_TAG_KEY, StackPurpose } from '../infra/stack-tags.js';
import { type MaybeKnown, UNKNOWN } from '../infra/unknown.js';
import type { DefaultRetention } from '../infra/worm.js';
import type { IacResource } from './resource.js';

const resourceChangeSchema = z
  .object({
    address: z.string(),
    mode: z.string(),
    type: z.string(),
    change: z
      .object({
        actions: z.array(z.string()),
        after: z.unknown().optional(),
        after_unknown: z.unknown().optional(),
      })
      .loose(),
  })
  .loose();

/** The parts of the plan format (format_version 1.x) that keywarden reads. */
export const planSchema = z
  .object({
    format_version: z
      .string()
      .regex(/^1\./, 'is not 1.x: this keywarden reads the plan format of Terraform 1.x and OpenTofu 1.x'),
    terraform_version: z.string().optional(),
    resource_changes: z.array(resourceChangeSchema).default([]),
    errored: z.boolean().optional(),
    /** The configuration as written: only its references are read (which resource an argument points at). */
    configuration: z.unknown().optional(),
  })
  .loose();
export type Plan = z.infer<typeof planSchema>;

/** Whether a parsed document claims to be a plan (then it must be a valid one). */
export function looksLikePlan(document: unknown): boolean {
  return (
    typeof document === 'object' &&
    document !== null &&
    'format_version' in document &&
    ('resource_changes' in document || 'planned_values' in document || 'terraform_version' in document)
  );
}

/** The document as a plan, or a UsageError naming what is wrong. */
export function validPlan(document: unknown, file: string): Plan {
  const parsed = planSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `${file}: not a valid Terraform plan (terraform show -json): ${issue?.path.map(String).join('.') || 'the plan'}: ${issue?.message}`,
    );
  }
  // An errored plan lists only what Terraform got to: checking it would be a silently partial result.
  if (parsed.data.errored === true) {
    throw new UsageError(
      `${file}: the plan errored (errored: true), so it is incomplete: fix the plan first`,
    );
  }
  return parsed.data;
}

type Record_ = Record<string, unknown>;
const isRecord = (value: unknown): value is Record_ =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The planned value of `name`, or UNKNOWN where after_unknown marks it (true: the whole value is unknown). */
function planned(after: Record_, afterUnknown: unknown, name: string): MaybeKnown<unknown> {
  return isRecord(afterUnknown) && afterUnknown[name] === true ? UNKNOWN : after[name];
}

/** A planned string map (tags) with its unknown entries. */
function plannedMap(after: Record_, afterUnknown: unknown, name: string) {
  const value = planned(after, afterUnknown, name);
  if (value === UNKNOWN) return UNKNOWN;
  const unknownEntries = isRecord(afterUnknown) ? afterUnknown[name] : undefined;
  const map: Record<string, MaybeKnown<string>> = {};
  for (const [key, entry] of Object.entries(isRecord(value) ? value : {})) {
    map[key] = isRecord(unknownEntries) && unknownEntries[key] === true ? UNKNOWN : String(entry);
  }
  if (isRecord(unknownEntries)) {
    for (const [key, flag] of Object.entries(unknownEntries)) if (flag === true) map[key] = UNKNOWN;
  }
  return map;
}

const asName = (value: MaybeKnown<unknown>): MaybeKnown<string> | undefined =>
  value === UNKNOWN ? UNKNOWN : typeof value === 'string' ? value : undefined;

/**
 * The access keys, users and trail buckets the plan leaves in place: every managed resource with planned values
 * (created, updated, replaced or unchanged); a resource being destroyed has none and is not judged.
 */
export function planResources(plan: Plan, file: string): IacResource[] {
  const references = configurationReferences(plan);
  const planned = plan.resource_changes.flatMap((change) => {
    const after = change.change.after;
    return change.mode === 'managed' && isRecord(after)
      ? [{ address: change.address, type: change.type, after, afterUnknown: change.change.after_unknown }]
      : [];
  });
  const trailBuckets = planned.flatMap((bucket): IacResource[] => {
    if (bucket.type !== 'aws_s3_bucket') return [];
    const tags = plannedMap(bucket.after, bucket.afterUnknown, 'tags');
    if (tags === UNKNOWN || tags[PURPOSE_TAG_KEY] !== StackPurpose.trailBucket) return [];
    const configuring = (type: string) =>
      planned.filter(
        (resource) =>
          resource.type === type &&
          (sameKnownValue(resource.after['bucket'], bucket.after['bucket']) ||
            refersTo(references, resource.address, 'bucket', bucket.address)),
      );
    const known = (resource: { after: Record_; afterUnknown: unknown }, name: string) => {
      const value = planned_(resource, name);
      return value === UNKNOWN ? undefined : value;
    };
    const retentions = [
      ...blocks(known(bucket, 'object_lock_configuration')).flatMap((lock) => blocks(lock['rule'])),
      ...configuring('aws_s3_bucket_object_lock_configuration').flatMap((lock) =>
        blocks(known(lock, 'rule')),
      ),
    ]
      .flatMap((rule) => blocks(rule['default_retention']))
      .map(
        (retention): DefaultRetention => ({
          mode: typeof retention['mode'] === 'string' ? retention['mode'] : undefined,
          days: typeof retention['days'] === 'number' ? retention['days'] : undefined,
          years: typeof retention['years'] === 'number' ? retention['years'] : undefined,
        }),
      );
    const versioningEnabled =
      blocks(known(bucket, 'versioning')).some((versioning) => versioning['enabled'] === true) ||
      configuring('aws_s3_bucket_versioning').some((versioning) =>
        blocks(known(versioning, 'versioning_configuration')).some(
          (config) => config['status'] === 'Enabled',
        ),
      );
    return [
      {
        kind: 'trail-bucket',
        address: bucket.address,
        type: bucket.type,
        label: bucket.address,
        file,
        declared: {
          objectLockEnabled: bucket.after['object_lock_enabled'] === true,
          retentions,
          versioningEnabled,
          // The bucket's own `policy` is computed (unknown) unless written inline: only a known one counts.
          policies: [
            known(bucket, 'policy'),
            ...configuring('aws_s3_bucket_policy').map((policy) => planned_(policy, 'policy')),
          ],
        },
      },
    ];
  });
  return [...keysAndUsers(plan, file), ...trailBuckets];
}

const planned_ = (resource: { after: Record_; afterUnknown: unknown }, name: string) =>
  planned(resource.after, resource.afterUnknown, name);

/** A nested block as the plan writes it: a list of objects (one element for a single block). */
const blocks = (value: unknown): Record_[] => (Array.isArray(value) ? value.filter(isRecord) : []);

const sameKnownValue = (a: unknown, b: unknown) => typeof a === 'string' && a !== '' && a === b;

/** A resource change's address as the configuration writes it: without instance keys (`[0]`, `["a"]`). */
const configAddress = (address: string) => address.replace(/\[[^\]]*\]/g, '');

/**
 * What each configured resource's arguments refer to, by full configuration address (module path included):
 * how a plan tells that `bucket = aws_s3_bucket.trail.id` points at that bucket while the ID is still unknown.
 */
function configurationReferences(plan: Plan): Map<string, Map<string, string[]>> {
  const found = new Map<string, Map<string, string[]>>();
  const walk = (module: unknown, prefix: string) => {
    if (!isRecord(module)) return;
    for (const resource of Array.isArray(module['resources']) ? module['resources'] : []) {
      if (!isRecord(resource) || typeof resource['address'] !== 'string') continue;
      const byArgument = new Map<string, string[]>();
      for (const [argument, expression] of Object.entries(
        isRecord(resource['expressions']) ? resource['expressions'] : {},
      )) {
        const refs =
          isRecord(expression) && Array.isArray(expression['references']) ? expression['references'] : [];
        byArgument.set(
          argument,
          refs.filter((ref): ref is string => typeof ref === 'string').map((ref) => prefix + ref),
        );
      }
      found.set(prefix + resource['address'], byArgument);
    }
    for (const [name, call] of Object.entries(
      isRecord(module['module_calls']) ? module['module_calls'] : {},
    )) {
      if (isRecord(call)) walk(call['module'], `${prefix}module.${name}.`);
    }
  };
  if (isRecord(plan.configuration)) walk(plan.configuration['root_module'], '');
  return found;
}

/** Whether `address`'s argument refers to `target` (the resource or one of its attributes). */
function refersTo(
  references: Map<string, Map<string, string[]>>,
  address: string,
  argument: string,
  target: string,
): boolean {
  const wanted = configAddress(target);
  return (references.get(configAddress(address))?.get(argument) ?? []).some(
    (ref) => ref === wanted || ref.startsWith(`${wanted}.`),
  );
}

function keysAndUsers(plan: Plan, file: string): IacResource[] {
  return plan.resource_changes.flatMap((change): IacResource[] => {
    const after = change.change.after;
    if (change.mode !== 'managed' || !isRecord(after)) return [];
    const afterUnknown = change.change.after_unknown;
    const located = { address: change.address, type: change.type, label: change.address, file };
    if (change.type === 'aws_iam_access_key') {
      return [
        {
          ...located,
          kind: 'access-key',
          user: asName(planned(after, afterUnknown, 'user')) ?? UNKNOWN,
          status: planned(after, afterUnknown, 'status'),
        },
      ];
    }
    if (change.type === 'aws_iam_user') {
      return [
        {
          ...located,
          kind: 'user',
          name: asName(planned(after, afterUnknown, 'name')),
          tags: plannedMap(after, afterUnknown, 'tags'),
        },
      ];
    }
    return [];
  });
}

/** How many resources the plan leaves in place (all types). */
export function planResourceCount(plan: Plan): number {
  return plan.resource_changes.filter((c) => c.mode === 'managed' && isRecord(c.change.after)).length;
}
