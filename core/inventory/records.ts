import type { QuarantinePolicyName } from '../aws/quarantine.js';

/** One IAM access key as any source sees it. Every record carries its account, so merging is trivial. */
export interface KeyRecord {
  account: string;
  user: string;
  userArn: string;
  /** Null where the source does not carry it (the credential report). */
  accessKeyId: string | null;
  /** The key's column in the credential report (1 or 2), or its place by creation time. */
  keySlot: number;
  status: 'Active' | 'Inactive';
  createdAt: Date;
  lastUsedAt: Date | null;
  lastUsedService: string | null;
}

export interface UserRecord {
  account: string;
  user: string;
  userArn: string;
  /** Only the API source reads tags; null means "not read", {} means "none". */
  tags: Record<string, string> | null;
  /**
   * AWS's quarantine policies attached to the user (AWS attaches one when it finds a key of the user exposed):
   * [] means none, null means not read (a saved credential report; a live report's users without an active key).
   */
  quarantinePolicies: QuarantinePolicyName[] | null;
}

/** Something the source could not read: the audit is then incomplete (exit 3), never silently partial. */
export interface Gap {
  /** What is missing: "account", "user:alice", "key-ids:alice". */
  scope: string;
  reason: string;
}

export type SourceName = 'credential-report' | 'api';

export interface Inventory {
  source: SourceName;
  account: string;
  /** When the data was taken (the credential report's GeneratedTime), if known. */
  generatedAt: Date | null;
  users: UserRecord[];
  keys: KeyRecord[];
  gaps: Gap[];
}

/** The user name IAM gives the root account in a credential report. */
export const ROOT_USER = '<root_account>';

/** Whether a key belongs to the account's root user (credential report row, or an ARN ending in `:root`). */
export function isRootKey(key: Pick<KeyRecord, 'user' | 'userArn'>): boolean {
  return key.user === ROOT_USER || key.userArn.endsWith(':root');
}
