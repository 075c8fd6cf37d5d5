/**
 * The rule of `require-valid-rotation-tags`, for every IaC tool: a user that carries the enrolment tag in any
 * spelling (other capitals, stray spaces) must carry it exactly as configured, since the rotation role's
 * permissions are conditioned on the exact tag.
 */
import type { Config } from '../policy/schema.js';
import { type MaybeKnown, UNKNOWN } from './unknown.js';

export interface RotationTagReading {
  /** The tags that look like the enrolment tag: every one must be exact. */
  rotationTags: Array<{ key: string; value: MaybeKnown<string> }>;
  /** The ones that are not written exactly as configured (a value known only at apply time is not judged). */
  misspelt: Array<{ key: string; value: string }>;
}

/**
 * The user's enrolment tags and which of them are misspelt. Reads every entry of `tags`, as the pack always
 * has: under Pulumi's unknown-checking proxy an unknown value throws there, which the analyzer turns into
 * an advisory.
 */
export function readRotationTags(
  tags: Readonly<Record<string, MaybeKnown<unknown>>>,
  scope: Config['scope'],
): RotationTagReading {
  const rotationTags = Object.entries(tags)
    .filter(([key]) => key.trim().toLowerCase() === scope.tagKey.toLowerCase())
    .map(([key, value]): { key: string; value: MaybeKnown<string> } => ({
      key,
      value: value === UNKNOWN ? UNKNOWN : String(value),
    }));
  const misspelt = rotationTags.flatMap(({ key, value }) =>
    typeof value === 'string' && !(key === scope.tagKey && value === scope.tagValue) ? [{ key, value }] : [],
  );
  return { rotationTags, misspelt };
}

/** What the developer reads for one misspelt tag. */
export function misspeltTagMessage(
  userName: string,
  tag: { key: string; value: string },
  scope: Config['scope'],
): string {
  return `IAM user "${userName}" is tagged ${JSON.stringify(tag.key)}=${JSON.stringify(tag.value)}, which keywarden does not recognise, so its keys are not rotated: write the tag exactly as ${scope.tagKey}=${scope.tagValue}, or remove it.`;
}
