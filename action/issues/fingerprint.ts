import { createHash } from 'node:crypto';

/**
 * A stable name for "this IAM user in this account", used to find the same thing again across runs
 * (issue markers, evidence). The account stays readable as a prefix so a reader can tell which account
 * a marker belongs to without a lookup; the user part is hashed so the marker holds only safe characters.
 */
export function fingerprint(account: string, user: string): string {
  const digest = createHash('sha256').update(`${account}/${user}`).digest('hex').slice(0, 20);
  return `${account}-${digest}`;
}

/** The account a fingerprint was made for (its prefix), or null when the text is not a fingerprint. */
export function accountOfFingerprint(text: string): string | null {
  return /^([^-\s]+)-[0-9a-f]{20}$/.exec(text)?.[1] ?? null;
}
