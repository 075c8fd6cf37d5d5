import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UsageError } from './errors.js';
import { calendarDaysBetween, endOfUtcDay } from './time.js';

/** The longest an exemption may run: a year, so that every exemption is re-approved at least yearly. */
export const MAX_EXEMPTION_DAYS = 365;

const days = (min: number, max: number) => {
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
    user: z.string().min(1).describe('IAM user name the exemption covers.'),
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

export const rotationSchema = z
  .object({
    rotateAtDays: days(1, 3650).default(80).describe('Key age at which the replacement is created.'),
    deactivateAfterDays: days(0, 365)
      .default(7)
      .describe('Days after the replacement before the old key is deactivated.'),
    deleteAfterDays: days(0, 365)
      .default(7)
      .describe('Days after deactivation before the old key is deleted.'),
    enforce: z
      .boolean()
      .default(true)
      .describe('Deactivate at the deadline even if the old key is still in use (after notice).'),
  })
  .strict();

export const scopeSchema = z
  .object({
    tagKey: z
      .string()
      .min(1)
      .max(128)
      .default('keywarden:rotation')
      .describe('IAM user tag that enrols a user in managed rotation.'),
    tagValue: z.string().min(1).max(256).default('enabled').describe('Value of the enrolment tag.'),
  })
  .strict();

export const trailSchema = z
  .object({
    file: z.string().min(1).optional().describe('Local JSONL trail file.'),
    bucket: z.string().min(3).max(63).optional().describe('S3 bucket with Object Lock for the trail.'),
    prefix: z.string().default('trail/').describe('Key prefix of trail records in the bucket.'),
    retentionDays: days(1, 36500)
      .default(2557)
      .describe('Object Lock retention of each trail record, in days.'),
  })
  .strict();

/** Marks the rules that compare fields, so that a bad field is reported alone, not with their echo. */
const CROSS_FIELD = { crossField: true };

export const configSchema = z
  .object({
    maxKeyAgeDays: days(1, 3650)
      .default(90)
      .describe('An active key older than this is a violation (21 CFR 11.300(b)).'),
    warnDays: days(0, 3650)
      .default(14)
      .describe('An active key within this many days of maxKeyAgeDays is "expiring".'),
    unusedKeyDays: days(1, 3650)
      .default(45)
      .describe('An active key never used and older than this is "unused".'),
    rotation: rotationSchema.prefault({}),
    scope: scopeSchema.prefault({}),
    exemptions: z.array(exemptionSchema).default([]),
    trail: trailSchema.optional(),
  })
  .strict()
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

export const DEFAULT_CONFIG_FILES = ['keywarden.yml', 'keywarden.yaml', 'keywarden.json'] as const;

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

/** Parses YAML or JSON text (JSON is YAML) into a plain object. */
export function parseConfigText(text: string, origin: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: false }) ?? {};
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UsageError(`${origin}: not valid YAML or JSON: ${message}`, { cause: err });
  }
}

/**
 * Loads the config: an explicit file, else the first default file in `cwd`, else the defaults.
 * Overrides (from flags or Action inputs) are applied before validation so the same rules hold.
 */
export async function loadConfig(options: {
  file?: string | undefined;
  asOf: Date;
  cwd?: string;
  overrides?: Partial<Pick<ConfigInput, 'maxKeyAgeDays' | 'warnDays' | 'unusedKeyDays'>>;
}): Promise<{ config: Config; origin: string | null; text: string | null }> {
  const cwd = options.cwd ?? process.cwd();
  let origin: string | null = null;
  let text: string | null = null;
  if (options.file) {
    origin = options.file;
    text = await readText(resolve(cwd, options.file), true, options.file);
  } else {
    for (const name of DEFAULT_CONFIG_FILES) {
      text = await readText(resolve(cwd, name), false, name);
      if (text !== null) {
        origin = name;
        break;
      }
    }
  }
  const raw = text === null ? {} : parseConfigText(text, origin ?? 'config');
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UsageError(
      `${origin}: must be a mapping of settings, not ${Array.isArray(raw) ? 'a list' : typeof raw}`,
    );
  }
  const overrides = Object.fromEntries(
    Object.entries(options.overrides ?? {}).filter(([, value]) => value !== undefined),
  );
  // Name the overrides in any error: a flag can break a rule that the file alone keeps.
  const described = Object.entries(overrides).map(([name, value]) => `${name}=${String(value)}`);
  const label = `${origin ?? 'config (defaults)'}${described.length > 0 ? ` with ${described.join(', ')}` : ''}`;
  const config = parseConfig({ ...raw, ...overrides }, { asOf: options.asOf, origin: label });
  return { config, origin, text };
}

async function readText(path: string, required: boolean, shownAs: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!required && code === 'ENOENT') return null;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? 'error');
    throw new UsageError(`${shownAs}: cannot read config file (${why})`, { cause: err });
  }
}

/** The exemption in force for a user on a date, if any (valid through `expiresOn`, UTC). */
export function activeExemption(
  exemptions: readonly Exemption[],
  user: string,
  account: string,
  asOf: Date,
): Exemption | undefined {
  return exemptions.find(
    (exemption) =>
      exemption.user === user &&
      (exemption.account === undefined || exemption.account === account) &&
      asOf.getTime() <= endOfUtcDay(exemption.expiresOn).getTime(),
  );
}

/** JSON Schema of the config as people write it: the policy pack's `configSchema` comes from here. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
