import type { PolicyConfigSchema, ReportViolation } from '@pulumi/policy';
import { describeError } from '../../core/errors.js';
import { type Config, configJsonSchema, parseConfig } from '../../core/policy/schema.js';
import { type Clock, parseInstant, systemClock } from '../../core/time.js';
import { trailSettings } from '../../core/trail/settings.js';

/**
 * Every keywarden policy takes the `keywarden.yml` settings as its config, so its schema is the core
 * schema's properties: one schema, not two. The Pulumi CLI applies top-level defaults only; the pack applies
 * the rest by parsing with the same core schema.
 */
export const keywardenConfigSchema: PolicyConfigSchema = {
  properties: (configJsonSchema() as { properties: PolicyConfigSchema['properties'] }).properties,
};

/**
 * The pack's clock: `KEYWARDEN_AS_OF` (an ISO date, for reproducible previews and tests), else the system clock.
 * Read at each use so that a long-lived pack process sees exemptions expire.
 */
export const packClock: Clock = () => {
  const asOf = process.env['KEYWARDEN_AS_OF'];
  return asOf ? parseInstant(asOf, 'KEYWARDEN_AS_OF') : systemClock();
};

const parsedConfigs = new Map<string, Config>();

/**
 * The policy's config with every default applied, or undefined after reporting why it is invalid: a bad
 * config is the developer's mistake and gets one clear violation, never a stack trace from the analyzer.
 */
export function readKeywardenConfig(
  args: { getConfig<T extends object>(): T },
  policyName: string,
  reportViolation: ReportViolation,
): Config | undefined {
  const raw = args.getConfig<Record<string, unknown>>();
  const key = JSON.stringify(raw);
  const cached = parsedConfigs.get(key);
  if (cached) return cached;
  try {
    const config = parseConfig(raw, { asOf: packClock(), origin: `config of policy ${policyName}` });
    parsedConfigs.set(key, config);
    return config;
  } catch (err) {
    reportViolation(
      `${describeError(err)}. Fix the "${policyName}" entry of the file given to --policy-pack-config (it takes the settings of keywarden.yml).`,
    );
    return undefined;
  }
}

/** Days each trail record stays locked: the configured value, else the core schema's default. */
export function trailRetentionDays(config: Config): number {
  return trailSettings(config).retentionDays;
}
