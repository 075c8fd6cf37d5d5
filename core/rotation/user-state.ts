import { GetAccessKeyLastUsedCommand } from '@aws-sdk/client-iam';
import { isAwsError } from '../errors.js';
import { listAccessKeys, listQuarantinePolicies } from '../inventory/live.js';
import type { RotationClients, TargetUser } from './context.js';
import { ManagedSecret } from './managed-secret.js';
import { type KeyState, secretNameFor, type UserState } from './state.js';

/**
 * ListAccessKeys, DescribeSecret, ListAttachedUserPolicies (AWS's quarantine), and GetAccessKeyLastUsed only
 * when a decision needs it.
 */
export async function readUserState(
  clients: RotationClients,
  account: string,
  user: TargetUser,
): Promise<UserState> {
  const { iam, secrets } = clients;
  const keys: KeyState[] = (await listAccessKeys(iam, user.name)).map((key) => ({
    ...key,
    lastUsedAt: null,
  }));
  // One after the other: the calls of a run keep one order (the fault tests crash between any two).
  const quarantine = await listQuarantinePolicies(iam, user.name);
  const secret = await new ManagedSecret(secrets, secretNameFor(account, user.name)).read();
  const gone = new Set<string>();
  if (keys.length > 1 || secret?.pending) {
    for (const key of keys) {
      try {
        const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.id }));
        key.lastUsedAt = used.AccessKeyLastUsed?.LastUsedDate ?? null;
      } catch (err) {
        // Deleted since it was listed (a run that holds the lease, while this one reads without it).
        if (!isAwsError(err, /NoSuchEntity/)) throw err;
        gone.add(key.id);
      }
    }
  }
  const present = keys.filter((key) => !gone.has(key.id));
  return { account, user: user.name, userArn: user.arn, userId: user.id, keys: present, secret, quarantine };
}
