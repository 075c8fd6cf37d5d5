// The keywarden.yml schema: zod rules, defaults, the JSON Schema the policy pack publishes, and the pure rules
// that judge a parsed config. No file reading and no YAML here: the policy pack, the stacks and the Lambda
// handler import this module alone (core/policy/load.ts adds the loader the CLI and the Action use).
import * as z from 'zod';
import { KMS_KEY_ARN } from '../aws/arn.js';
import { UsageError } from '../errors.js';
import { ROOT_USER } from '../inventory/records.js';
import { calendarDaysBetween } from '../time.js';
import { CIS_VERSIONS } from './controls/index.js';
import { rotationStepsFor, SETTING_DEFAULTS, SETTING_RANGES, type WholeRange } from './settings.js';

/** The longest an exemption may run: a year, so that every exemption is re-approved at least yearly. */
export const MAX_EXEMPTION_DAYS = 365;

const days = ({ min, max }: WholeRange) => {
  const range = `must be a whole number of days from ${min} to ${max}`;
  return z.number({ error: range }).int(range).min(min, range).max(max, range);
};

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
  .refine(
    (value) =>
      !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
      new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
    'must be a real calendar date',
  );

export const exemptionSchema = z
  .object({
    user: z
      .string()
      .min(1)
      .refine(
        (user) => user !== ROOT_USER,
        'the root account cannot be exempted: no root access key may exist (CIS v7.0.0 2.4, Security Hub IAM.4)',
      )
      .describe('IAM user name the exemption covers (never the root account).'),
    account: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account ID')
      .optional()
      .describe('Limit the exemption to one AWS account; omitted means every account.'),
    reason: z.string().min(1).describe('Why the key cannot be rotated, with the change-control reference.'),
    approvedBy: z.string().min(1).describe('Who approved the exemption.'),
    expiresOn: isoDate.describe('Last UTC date on which the exemption applies (at most 365 days ahead).'),
  })
  .strict();

/** Where overlapping runs take turns on a user (core/rotation/lease.ts; docs/overlapping-runs.md). */
export const leaseSchema = z
  .object({
    bucket: z
      .string()
      .min(3)
      .max(63)
      .describe(
        "S3 bucket without Object Lock that holds one lease object per user; a run changes a user's keys only while it holds the lease.",
      ),
    prefix: z
      .string()
      .default(SETTING_DEFAULTS.lease.prefix)
      .describe('Key prefix of the lease objects in the bucket.'),
    seconds: z
      .number({
        error: `must be a whole number of seconds from ${SETTING_RANGES.leaseSeconds.min} to ${SETTING_RANGES.leaseSeconds.max}`,
      })
      .int()
      .min(SETTING_RANGES.leaseSeconds.min)
      .max(SETTING_RANGES.leaseSeconds.max)
      .default(SETTING_DEFAULTS.lease.seconds)
      .describe(
        'How long a lease lasts without renewal: a run that stopped (killed, timed out) blocks its users this long at most.',
      ),
  })
  .strict();

export const rotationSchema = z
  .object({
    // No fixed default: unset, both are derived from maxKeyAgeDays (`rotationStepsFor`; 80 and 7 at 90 days).
    rotateAtDays: days(SETTING_RANGES.rotateAtDays)
      .optional()
      .describe(
        'Key age at which the replacement is created (default: 10 days before maxKeyAgeDays, at most 80).',
      ),
    deactivateAfterDays: days(SETTING_RANGES.deactivateAfterDays)
      .optional()
      .describe(
        'Days after the replacement before the old key is deactivated (default: 7, less below 11 days).',
      ),
    deleteAfterDays: days(SETTING_RANGES.deleteAfterDays)
      .default(SETTING_DEFAULTS.rotation.deleteAfterDays)
      .describe('Days after deactivation before the old key is deleted.'),
    enforce: z
      .boolean()
      .default(SETTING_DEFAULTS.rotation.enforce)
      .describe('Deactivate at the deadline even if the old key is still in use (after notice).'),
    lease: leaseSchema.optional(),
  })
  .strict();

export const scopeSchema = z
  .object({
    tagKey: z
      .string()
      .min(1)
      .max(128)
      .default(SETTING_DEFAULTS.scope.tagKey)
      .describe('IAM user tag that enrols a user in managed rotation.'),
    tagValue: z
      .string()
      .min(1)
      .max(256)
      .default(SETTING_DEFAULTS.scope.tagValue)
      .describe('Value of the enrolment tag.'),
  })
  .strict();

export const trailSchema = z
  .object({
    file: z.string().min(1).optional().describe('Local JSONL trail file.'),
    bucket: z.string().min(3).max(63).optional().describe('S3 bucket with Object Lock for the trail.'),
    prefix: z
      .string()
      .default(SETTING_DEFAULTS.trail.prefix)
      .describe('Key prefix of trail records in the bucket.'),
    retentionDays: days(SETTING_RANGES.retentionDays)
      .default(SETTING_DEFAULTS.trail.retentionDays)
      .describe('Object Lock retention of each trail record, in days.'),
    signingKey: z
      .string()
      .regex(
        KMS_KEY_ARN,
        'must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), not an alias or key ID: each record names the key that signed it',
      )
      .optional()
      .describe(
        'ARN of a KMS key (ECC_NIST_P256, SIGN_VERIFY) that signs every trail record; trail verify checks each signature.',
      ),
  })
  .strict();

export const frameworksSchema = z
  .object({
    cis: z
      .array(z.enum(CIS_VERSIONS, { error: `must be one of ${CIS_VERSIONS.join(', ')}` }))
      .refine((versions) => new Set(versions).size === versions.length, 'names a version twice')
      .default([...SETTING_DEFAULTS.frameworks.cis])
      .describe(
        `CIS AWS Foundations Benchmark versions whose recommendation IDs findings carry (${CIS_VERSIONS.join(', ')}); [] for none.`,
      ),
  })
  .strict();

/** Marks the rules that compare fields, so that a bad field is reported alone, not with their echo. */
const CROSS_FIELD = { crossField: true };

export const configSchema = z
  .object({
    maxKeyAgeDays: days(SETTING_RANGES.maxKeyAgeDays)
      .default(SETTING_DEFAULTS.maxKeyAgeDays)
      .describe('An active key older than this is a violation (21 CFR 11.300(b)).'),
    warnDays: days(SETTING_RANGES.warnDays)
      .default(SETTING_DEFAULTS.warnDays)
      .describe('An active key within this many days of maxKeyAgeDays is "expiring".'),
    unusedKeyDays: days(SETTING_RANGES.unusedKeyDays)
      .default(SETTING_DEFAULTS.unusedKeyDays)
      .describe('An active key never used and older than this is "unused".'),
    rotation: rotationSchema.prefault({}),
    scope: scopeSchema.prefault({}),
    exemptions: z.array(exemptionSchema).default([]),
    trail: trailSchema.optional(),
    frameworks: frameworksSchema.prefault({}),
  })
  .strict()
  // Rotation steps the config leaves unset follow its maximum age (core/policy/settings.ts rotationStepsFor).
  .transform((config) => {
    const { deleteAfterDays, enforce, lease } = config.rotation;
    const steps = rotationStepsFor(config.maxKeyAgeDays, config.rotation);
    return {
      ...config,
      rotation: { ...steps, deleteAfterDays, enforce, ...(lease === undefined ? {} : { lease }) },
    };
  })
  .superRefine((config, ctx) => {
    if (config.warnDays >= config.maxKeyAgeDays) {
      ctx.addIssue({
        code: 'custom',
        params: CROSS_FIELD,
        path: ['warnDays'],
        message: `must be less than maxKeyAgeDays (${config.maxKeyAgeDays})`,
      });
    }
    const { rotateAtDays, deactivateAfterDays } = config.rotation;
    if (rotateAtDays + deactivateAfterDays > config.maxKeyAgeDays) {
      ctx.addIssue({
        code: 'custom',
        params: CROSS_FIELD,
        path: ['rotation', 'rotateAtDays'],
        message: `rotateAtDays (${rotateAtDays}) + deactivateAfterDays (${deactivateAfterDays}) must not exceed maxKeyAgeDays (${config.maxKeyAgeDays}), or an old key goes overdue while still active`,
      });
    }
    if (config.trail?.file && config.trail.bucket) {
      ctx.addIssue({
        code: 'custom',
        params: CROSS_FIELD,
        path: ['trail'],
        message: 'set either file or bucket, not both',
      });
    }
  });

/** The config as people write it (defaults optional). */
export type ConfigInput = z.input<typeof configSchema>;
/** The config after defaults: what every surface decides with. */
export type Config = z.output<typeof configSchema>;
export type Exemption = z.output<typeof exemptionSchema>;
export type Policy = Pick<Config, 'maxKeyAgeDays' | 'warnDays' | 'unusedKeyDays'>;

/**
 * Validates a config object: every schema rule plus those that need the clock
 * (an exemption may run at most a year ahead). Throws one UsageError naming every bad field.
 */
export function parseConfig(raw: unknown, options: { asOf: Date; origin?: string }): Config {
  const origin = options.origin ?? 'config';
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    // Cross-field rules judged on a value that is itself invalid only add noise: report the field first.
    const fieldIssues = result.error.issues.filter(
      (issue) => !(issue.code === 'custom' && issue.params?.crossField),
    );
    const issues = fieldIssues.length > 0 ? fieldIssues : result.error.issues;
    throw new UsageError(`${origin}: ${issues.map(formatIssue).join('; ')}`);
  }
  // Counted in UTC calendar days: on 2026-11-28 an exemption may run through 2027-11-28, not a day more.
  const asOfDate = options.asOf.toISOString().slice(0, 10);
  const tooFar = result.data.exemptions.flatMap((exemption, index) =>
    calendarDaysBetween(asOfDate, exemption.expiresOn) > MAX_EXEMPTION_DAYS
      ? [
          `exemptions[${index}].expiresOn: ${exemption.expiresOn} is more than ${MAX_EXEMPTION_DAYS} days ahead; exemptions must be re-approved at least yearly`,
        ]
      : [],
  );
  if (tooFar.length > 0) throw new UsageError(`${origin}: ${tooFar.join('; ')}`);
  return result.data;
}

/** One schema issue as "path: message", the form every surface reports bad input in. */
export function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.reduce<string>(
    (text, part) =>
      typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part),
    '',
  );
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
      : issue.message;
  return path ? `${path}: ${message}` : message;
}

/** JSON Schema of the config as people write it: the policy pack's `configSchema` comes from here. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
