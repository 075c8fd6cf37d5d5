// The numbers of keywarden.yml that are known without parsing any: the range of every numeric setting and the
// defaults. No zod here, so that the CLI's option definitions and the Action's inputs, and a run without a config
// file, do not load the schema; core/policy/schema.ts builds its rules from these.

/** An inclusive range of whole numbers a setting, a flag or an input may take. */
export interface WholeRange {
  readonly min: number;
  readonly max: number;
}

/**
 * The allowed range of every numeric setting: the schema, the CLI's override flags and the Action's override
 * inputs all take theirs from here, so a range and its message exist once.
 */
export const SETTING_RANGES = {
  maxKeyAgeDays: { min: 1, max: 3650 },
  warnDays: { min: 0, max: 3650 },
  unusedKeyDays: { min: 1, max: 3650 },
  rotateAtDays: { min: 1, max: 3650 },
  deactivateAfterDays: { min: 0, max: 365 },
  deleteAfterDays: { min: 0, max: 365 },
  retentionDays: { min: 1, max: 36500 },
  leaseSeconds: { min: 5, max: 3600 },
} as const satisfies Record<string, WholeRange>;

/** The default of every setting that has one: the schema's defaults (a test holds the two equal). */
export const SETTING_DEFAULTS = {
  maxKeyAgeDays: 90,
  warnDays: 14,
  unusedKeyDays: 45,
  rotation: { rotateAtDays: 80, deactivateAfterDays: 7, deleteAfterDays: 7, enforce: true },
  scope: { tagKey: 'keywarden:rotation', tagValue: 'enabled' },
  trail: { prefix: 'trail/', retentionDays: 2557 },
  lease: { prefix: 'leases/', seconds: 600 },
} as const;

/** "a whole number from 1 to 3650": how every surface names a range in its message. */
export function describeWholeRange(range: WholeRange): string {
  return `a whole number from ${range.min} to ${range.max}`;
}

/** The number written as plain decimal digits within the range, else undefined (the caller names the input). */
export function parseWholeInRange(text: string, range: WholeRange): number | undefined {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  const number = Number(trimmed);
  return Number.isSafeInteger(number) && number >= range.min && number <= range.max ? number : undefined;
}
