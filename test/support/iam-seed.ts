import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GetUserCommand,
  IAMClient,
  TagUserCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { DAY_MS } from '../../core/time.js';
import type { Moto } from './moto.js';

export interface SeedKey {
  /** Age of the key at `asOf`, in days (the key is created this long before asOf, minus one hour of margin). */
  ageDays: number;
  status?: 'Active' | 'Inactive';
  /** Days before asOf the key was last used; omitted = never used. */
  lastUsedDaysAgo?: number;
}

export interface SeedUser {
  name: string;
  tags?: Record<string, string>;
  keys?: SeedKey[];
}

/**
 * Creates users and keys in moto as if they had been made in the past: moto's clock is moved to each
 * key's creation time, and a "used" key signs one request at its last-used time (moto records that).
 * Returns each user's key IDs in creation order. Secrets are dropped here and never returned.
 */
export async function seedIam(
  moto: Moto,
  asOf: Date,
  users: readonly SeedUser[],
  /** Another account's credentials (an assumed role's session in moto); default moto's own account. */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = {
    accessKeyId: 'testing',
    secretAccessKey: 'testing',
  },
): Promise<Map<string, string[]>> {
  const client = new IAMClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials });
  const ids = new Map<string, string[]>();
  try {
    moto.setNow(new Date(asOf.getTime() - 400 * DAY_MS));
    for (const user of users) {
      await client.send(new CreateUserCommand({ UserName: user.name }));
      if (user.tags) {
        await client.send(
          new TagUserCommand({
            UserName: user.name,
            Tags: Object.entries(user.tags).map(([Key, Value]) => ({ Key, Value })),
          }),
        );
      }
    }
    // Keys in creation order across users, so each user's slots follow creation time as in IAM.
    const keys = users.flatMap((user) => (user.keys ?? []).map((key) => ({ user: user.name, key })));
    keys.sort((a, b) => b.key.ageDays - a.key.ageDays);
    for (const { user, key } of keys) {
      moto.setNow(new Date(asOf.getTime() - key.ageDays * DAY_MS - 3600_000));
      const created = await client.send(new CreateAccessKeyCommand({ UserName: user }));
      const id = created.AccessKey?.AccessKeyId as string;
      ids.set(user, [...(ids.get(user) ?? []), id]);
      if (key.status === 'Inactive') {
        await client.send(
          new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: id, Status: 'Inactive' }),
        );
      }
      if (key.lastUsedDaysAgo !== undefined) {
        moto.setNow(new Date(asOf.getTime() - key.lastUsedDaysAgo * DAY_MS));
        await markUsed(moto, id);
      }
    }
  } finally {
    moto.setNow(asOf);
    client.destroy();
  }
  return ids;
}

/** moto marks a key used when any request is signed with its ID (the secret is not checked without auth). */
export async function markUsed(moto: Moto, accessKeyId: string): Promise<void> {
  const asKey = new IAMClient({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId, secretAccessKey: 'not-checked-by-moto' },
    maxAttempts: 1,
  });
  try {
    await asKey.send(new GetUserCommand({})).catch(() => undefined);
  } finally {
    asKey.destroy();
  }
}
