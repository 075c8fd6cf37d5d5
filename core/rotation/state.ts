import { OWNER_ID_TAG, SECRET_PREFIX } from '../aws/permissions.js';
import type { QuarantinePolicyName } from '../aws/quarantine.js';
import { UsageError } from '../errors.js';

/**
 * Rotation state that must survive a crash lives in AWS, next to what it describes, never only in memory:
 * - IAM: each key's status and CreateDate (the replacement's CreateDate is when the rotation began).
 * - The managed secret `secretNameFor(account, user)`: its AWSCURRENT version ID is
 *   `keywarden-key-<AccessKeyId>` (`keywarden-out-…` when the secret was shown once on stdout instead),
 *   so DescribeSecret names the stored key without reading the secret. A new key's value is written
 *   under the stage `PENDING_STAGE` and then made AWSCURRENT by a compare-and-swap (managed-secret.ts).
 *   A secret is created holding a placeholder (`PLACEHOLDER_VERSION`), so that it always has an
 *   AWSCURRENT version to swap from. Its tags carry the rest (see `STATE_TAGS`).
 * - The trail: one record per mutation; a run that finds a write-ahead marker compares AWS with the trail
 *   and writes the records a crashed run could not.
 */

export const STATE_TAGS = {
  /**
   * Write-ahead marker set before a mutation and cleared after its trail record:
   * `<op> <keyId|-> <iso> <lease token>` (markers written before the lease have no token).
   */
  pending: 'keywarden:pending',
  /** When keywarden deactivated the old key: `<keyId> <iso>` (IAM does not record it). */
  deactivated: 'keywarden:deactivated',
  /** When the owner was told about the stored key: `<keyId> <iso>` (the notice enforcement waits for). */
  notified: 'keywarden:notified',
  /**
   * keywarden's answer to AWS's quarantine of the user: `<keyId> <iso>`, the key it stored in reply and that
   * key's CreateDate. Keys created before it are the ones the quarantine is about; it and later keys are not.
   */
  quarantineAnswered: 'keywarden:quarantine-answered',
  /** Marks secrets keywarden manages. */
  managedBy: 'keywarden:managed-by',
  /**
   * The owner's unique ID (AIDA…), set once after the owner-only resource policy: a user deleted and
   * re-created under the same name has another ID and does not inherit the secret.
   */
  ownerId: OWNER_ID_TAG,
  /** The owner's user name, for people reading the secret list. */
  user: 'keywarden:user',
} as const;

export type Delivery = 'secrets-manager' | 'stdout';

/** Version IDs (ClientRequestToken, 32–64 characters) that name the key and where its secret went. */
const VERSION_PREFIXES: Record<Delivery, string> = {
  'secrets-manager': 'keywarden-key-',
  stdout: 'keywarden-out-',
};

export type PendingOp = 'create' | 'deactivate' | 'delete';

const PENDING_OPS: readonly PendingOp[] = ['create', 'deactivate', 'delete'];
const isPendingOp = (text: string): text is PendingOp => PENDING_OPS.some((op) => op === text);

/** The write-ahead marker: what a run was about to do, when, and under which lease. */
export interface Pending {
  op: PendingOp;
  keyId: string | null;
  at: Date;
  /** The lease token of the run that set it; null for a marker written before leases. */
  token: string | null;
}

/** The stage a new key's value is written under before the compare-and-swap makes it AWSCURRENT. */
export const PENDING_STAGE = 'KEYWARDEN_PENDING';

/** The version a secret is created with: no key yet (its value says so), but an AWSCURRENT to swap from. */
export const PLACEHOLDER_VERSION = 'keywarden-no-key-stored-yet-----';

/** A key whose value a version of the secret holds, and the stages that version carries. */
export interface StagedKey {
  keyId: string;
  delivery: Delivery;
  versionId: string;
  stages: string[];
}

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
  /**
   * The `keywarden:owner-id` tag as found: the unique ID of the user the secret is bound to; null when the
   * secret has no such tag (not bound yet). An empty or blank value is kept as it is: see `ownerBindingOf`.
   */
  ownerId: string | null;
  /** The key whose secret is stored (AWSCURRENT), or null when no value was stored yet. */
  currentKeyId: string | null;
  /** Where the current key's secret went: stored, or (manual `--deliver stdout`) shown once to a person. */
  currentDelivery: Delivery;
  /** The AWSCURRENT version ID as read (a key's, the placeholder, or null): what the swap replaces. */
  currentVersionId: string | null;
  /** Every key a version of the secret holds under some stage (AWSCURRENT, AWSPREVIOUS, PENDING_STAGE…). */
  staged: StagedKey[];
  pending: Pending | null;
  deactivated: Stamp | null;
  notified: Stamp | null;
  /** The key stored in answer to AWS's quarantine of the user, and its CreateDate (STATE_TAGS.quarantineAnswered). */
  quarantineAnswered: Stamp | null;
}

/**
 * Whom a managed secret is bound to, read from its `keywarden:owner-id` tag, for the user whose name it has:
 * - `unbound`: no tag. Only then may the rotation role set the resource policy and the owner tag (it is
 *   allowed both only while `aws:ResourceTag/keywarden:owner-id` is Null), so keywarden binds it first.
 * - `owner`: the tag is this user's unique ID.
 * - `other`: another unique ID (a deleted user of the same name): never written to.
 * - `unverifiable`: the tag is there but empty or blank (someone set it so; no keywarden call writes it).
 *   This is not "unbound": the tag key exists, so the role may no longer bind the secret (PutResourcePolicy
 *   and a new owner tag are denied), while it could still store a value in it — under a resource policy
 *   nobody checked admits only this user. So it is treated like `other`: blocked, never written, until a
 *   person checks the secret and removes the tag (the next run binds it) or deletes the secret.
 */
export type OwnerBinding = 'unbound' | 'owner' | 'other' | 'unverifiable';

export function ownerBindingOf(ownerId: string | null, userId: string): OwnerBinding {
  if (ownerId === null) return 'unbound';
  if (ownerId.trim() === '') return 'unverifiable';
  return ownerId === userId ? 'owner' : 'other';
}

export interface UserState {
  account: string;
  user: string;
  userArn: string;
  /** The user's unique ID (AIDA…), which a re-created user of the same name does not share. */
  userId: string;
  /** Oldest first. */
  keys: KeyState[];
  /** Null when the user has no managed secret yet. */
  secret: SecretState | null;
  /** AWS's quarantine policies attached to the user (ListAttachedUserPolicies); [] when none. */
  quarantine: QuarantinePolicyName[];
}

/** IAM's rule for a user name (1–64 of letters, digits and `+=,.@_-`). */
const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/;

/** A name keywarden cannot map to a secret (not a legal IAM user name). */
export class SecretNameError extends UsageError {
  override name = 'SecretNameError';
}

/**
 * Why `user` has no secret name, or null when it has one. Every legal IAM user name has one; only a
 * string that IAM itself would refuse has not. (`keywarden doctor --user` shows this.)
 */
export function secretNameProblem(user: string): string | null {
  if (IAM_USER_NAME.test(user)) return null;
  return `"${user}" is not an IAM user name (1-64 characters of letters, digits and + = , . @ _ -), so it has no keywarden secret`;
}

/**
 * `keywarden/<account-id>/<user>`, injective: IAM user names allow `,`, which Secrets Manager names do not,
 * and Secrets Manager names allow `/`, which IAM user names do not; so `,` is written as `/` and no two
 * users share a secret (`svc,x` → `keywarden/<account>/svc/x`, `svc_x` → `keywarden/<account>/svc_x`).
 * A name without `,` maps to itself, so existing secrets keep their names.
 */
export function secretNameFor(account: string, user: string): string {
  const problem = secretNameProblem(user);
  if (problem) throw new SecretNameError(problem);
  return `${SECRET_PREFIX}${account}/${user.replaceAll(',', '/')}`;
}

export function versionIdFor(accessKeyId: string, delivery: Delivery): string {
  return `${VERSION_PREFIXES[delivery]}${accessKeyId}`.padEnd(32, '-');
}

export function keyOfVersionId(versionId: string): { keyId: string; delivery: Delivery } | null {
  for (const delivery of DELIVERIES) {
    const prefix = VERSION_PREFIXES[delivery];
    if (versionId.startsWith(prefix))
      return { keyId: versionId.slice(prefix.length).replace(/-+$/, ''), delivery };
  }
  return null;
}

const DELIVERIES: readonly Delivery[] = ['secrets-manager', 'stdout'];

export function encodeStamp(stamp: Stamp | null): string {
  return stamp ? `${stamp.keyId} ${stamp.at.toISOString()}` : '';
}

export function decodeStamp(text: string | undefined): Stamp | null {
  const [keyId, at] = (text ?? '').trim().split(' ');
  const date = at ? new Date(at) : null;
  return keyId && date && !Number.isNaN(date.getTime()) ? { keyId, at: date } : null;
}

export function encodePending(pending: Pending | null): string {
  if (!pending) return '';
  const marker = `${pending.op} ${pending.keyId ?? '-'} ${pending.at.toISOString()}`;
  return pending.token ? `${marker} ${pending.token}` : marker;
}

export function decodePending(text: string | undefined): Pending | null {
  const [op = '', keyId, at, token] = (text ?? '').trim().split(' ');
  const date = at ? new Date(at) : null;
  if (!date || Number.isNaN(date.getTime()) || !isPendingOp(op)) return null;
  return { op, keyId: keyId && keyId !== '-' ? keyId : null, at: date, token: token || null };
}
