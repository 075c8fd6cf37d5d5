/**
 * Rotation state that must survive a crash lives in AWS, next to what it describes, never only in memory:
 * - IAM: each key's status and CreateDate (the replacement's CreateDate is when the rotation began).
 * - The managed secret `keywarden/<account>/<user>`: its AWSCURRENT version ID is
 *   `keywarden-key-<AccessKeyId>` (`keywarden-out-…` when the secret was shown once on stdout instead),
 *   set in the same call as the value, so DescribeSecret names the stored key without reading the secret.
 *   Its tags carry the rest (see `STATE_TAGS`).
 * - The trail: one record per mutation; a run that finds a write-ahead marker compares AWS with the trail
 *   and writes the records a crashed run could not.
 */

export const STATE_TAGS = {
  /** Write-ahead marker set before a mutation and cleared after its trail record: `<op> <keyId|-> <iso>`. */
  pending: 'keywarden:pending',
  /** When keywarden deactivated the old key: `<keyId> <iso>` (IAM does not record it). */
  deactivated: 'keywarden:deactivated',
  /** When the owner was told about the stored key: `<keyId> <iso>` (the notice enforcement waits for). */
  notified: 'keywarden:notified',
  /** Marks secrets keywarden manages. */
  managedBy: 'keywarden:managed-by',
} as const;

export type Delivery = 'secrets-manager' | 'stdout';

/** Version IDs (ClientRequestToken, 32–64 characters) that name the key and where its secret went. */
const VERSION_PREFIXES: Record<Delivery, string> = {
  'secrets-manager': 'keywarden-key-',
  stdout: 'keywarden-out-',
};

export type PendingOp = 'create' | 'deactivate' | 'delete';

export interface KeyState {
  id: string;
  status: 'Active' | 'Inactive';
  createdAt: Date;
  /** Null when never used or not read (only read when a decision needs it). */
  lastUsedAt: Date | null;
}

export interface Stamp {
  keyId: string;
  at: Date;
}

export interface SecretState {
  name: string;
  /** The key whose secret is stored (AWSCURRENT), or null when no value was stored yet. */
  currentKeyId: string | null;
  /** Where the current key's secret went: stored, or (manual `--deliver stdout`) shown once to a person. */
  currentDelivery: Delivery;
  pending: { op: PendingOp; keyId: string | null; at: Date } | null;
  deactivated: Stamp | null;
  notified: Stamp | null;
}

export interface UserState {
  account: string;
  user: string;
  userArn: string;
  /** Oldest first. */
  keys: KeyState[];
  /** Null when the user has no managed secret yet. */
  secret: SecretState | null;
}

/** `keywarden/<account-id>/<user>` (IAM allows "," in user names, Secrets Manager does not). */
export function secretNameFor(account: string, user: string): string {
  return `keywarden/${account}/${user.replaceAll(',', '_')}`;
}

export function versionIdFor(accessKeyId: string, delivery: Delivery): string {
  return `${VERSION_PREFIXES[delivery]}${accessKeyId}`.padEnd(32, '-');
}

export function keyOfVersionId(versionId: string): { keyId: string; delivery: Delivery } | null {
  for (const [delivery, prefix] of Object.entries(VERSION_PREFIXES) as [Delivery, string][]) {
    if (versionId.startsWith(prefix))
      return { keyId: versionId.slice(prefix.length).replace(/-+$/, ''), delivery };
  }
  return null;
}

export function encodeStamp(stamp: Stamp | null): string {
  return stamp ? `${stamp.keyId} ${stamp.at.toISOString()}` : '';
}

export function decodeStamp(text: string | undefined): Stamp | null {
  const [keyId, at] = (text ?? '').trim().split(' ');
  const date = at ? new Date(at) : null;
  return keyId && date && !Number.isNaN(date.getTime()) ? { keyId, at: date } : null;
}

export function encodePending(pending: SecretState['pending']): string {
  return pending ? `${pending.op} ${pending.keyId ?? '-'} ${pending.at.toISOString()}` : '';
}

export function decodePending(text: string | undefined): SecretState['pending'] {
  const [op, keyId, at] = (text ?? '').trim().split(' ');
  const date = at ? new Date(at) : null;
  if (!date || Number.isNaN(date.getTime()) || !['create', 'deactivate', 'delete'].includes(op ?? ''))
    return null;
  return { op: op as PendingOp, keyId: keyId && keyId !== '-' ? keyId : null, at: date };
}
