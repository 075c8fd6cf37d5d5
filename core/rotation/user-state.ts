import { GetAccessKeyLastUsedCommand, paginateListAccessKeys } from '@aws-sdk/client-iam';
import { listQuarantinePolicies } from '../inventory/live.js';
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
  const keys: KeyState[] = [];
  for await (const page of paginateListAccessKeys({ client: iam }, { UserName: user.name })) {
    for (const key of page.AccessKeyMetadata ?? []) {
      if (!key.AccessKeyId) continue;
      keys.push({
        id: key.AccessKeyId,
        status: key.Status === 'Inactive' ? 'Inactive' : 'Active',
        createdAt: key.CreateDate ?? new Date(0),
        lastUsedAt: null,
      });
    }
  }
  keys.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  // One after the other: the calls of a run keep one order (the fault tests crash between any two).
  const quarantine = await listQuarantinePolicies(iam, user.name);
  const secret = await new ManagedSecret(secrets, secretNameFor(account, user.name)).read();
  if (keys.length > 1 || secret?.pending) {
    for (const key of keys) {
      const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.id }));
      key.lastUsedAt = used.AccessKeyLastUsed?.LastUsedDate ?? null;
    }
  }
  return { account, user: user.name, userArn: user.arn, userId: user.id, keys, secret, quarantine };
}
