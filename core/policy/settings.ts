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
  /** The CIS AWS Foundations Benchmark versions findings carry: the newest (core/policy/controls/). */
  frameworks: { cis: ['v7.0.0'] },
  lease: { prefix: 'leases/', seconds: 600 },
} as const;

/** Days between the replacement's creation and the maximum age when neither is set: 90 − 80 at the defaults. */
const DEFAULT_REPLACEMENT_LEAD_DAYS = SETTING_DEFAULTS.maxKeyAgeDays - SETTING_DEFAULTS.rotation.rotateAtDays;

/**
 * The rotation steps a config leaves unset, derived from its maximum age: the replacement 10 days before
 * `maxKeyAgeDays` (never later than day 80), the old key deactivated 7 days after it, which leaves 3 days
 * before the limit for a scheduled run to come round. At 90 days and above these are the defaults 80 and 7; a
 * shorter maximum moves them earlier (at most 7 days, and 3 days of margin while they fit), so that a read-only
 * `--max-age-days 60` is never refused for rotation steps nobody set. A value the config sets is kept as set
 * and checked by the schema's rule.
 */
export function rotationStepsFor(
  maxKeyAgeDays: number,
  set: { rotateAtDays?: number | undefined; deactivateAfterDays?: number | undefined } = {},
): { rotateAtDays: number; deactivateAfterDays: number } {
  const { rotateAtDays: defaultRotateAt, deactivateAfterDays: defaultDeactivate } = SETTING_DEFAULTS.rotation;
  const margin = DEFAULT_REPLACEMENT_LEAD_DAYS - defaultDeactivate;
  const deactivateAfterDays =
    set.deactivateAfterDays ?? Math.max(0, Math.min(defaultDeactivate, maxKeyAgeDays - margin - 1));
  const rotateAtDays =
    set.rotateAtDays ??
    Math.max(
      SETTING_RANGES.rotateAtDays.min,
      Math.min(defaultRotateAt, maxKeyAgeDays - deactivateAfterDays - margin),
    );
  return { rotateAtDays, deactivateAfterDays };
}

/** What `--max-age-days` / input `max-key-age-days` implies for rotation, for their help texts. */
export const MAX_AGE_IMPLIES =
  'unless the config sets rotation:, the replacement key is made 10 days before N (at most at 80 days) and the old key deactivated 7 days later';

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
