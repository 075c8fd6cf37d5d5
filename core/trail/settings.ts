import { type Config, trailSchema } from '../policy/schema.js';

/** The `trail:` section with every default filled in. */
export interface TrailSettings {
  file?: string | undefined;
  bucket?: string | undefined;
  /** Key prefix of the records in the bucket. */
  prefix: string;
  /** COMPLIANCE Object Lock retention of each record, in days from its `at`. */
  retentionDays: number;
}

/**
 * The trail settings of a config, defaults from the one schema (core/policy/load.ts): the CLI's store, the rotation
 * stack's bucket and the policy pack's retention check all read them here. Imports nothing but the schema, so
 * the policy pack can use it without the AWS SDK.
 */
export function trailSettings(policy: Pick<Config, 'trail'> | undefined): TrailSettings {
  return trailSchema.parse(policy?.trail ?? {});
}
