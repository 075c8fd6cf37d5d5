import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { describeError, IncompleteError, UsageError } from '../errors.js';
import { createStsClient } from './clients.js';

export interface CallerIdentity {
  account: string;
  /** As STS reports it (for an assumed role: the session ARN). */
  arn: string;
  /** The IAM principal behind it (an assumed-role session → its role ARN), for policy simulation. */
  principalArn: string;
}

/** Who is calling (STS GetCallerIdentity): the account and the actor the trail records. */
export async function callerIdentity(client: STSClient = createStsClient()): Promise<CallerIdentity> {
  try {
    const identity = await client.send(new GetCallerIdentityCommand({}));
    const arn = identity.Arn ?? 'unknown';
    return { account: identity.Account ?? 'unknown', arn, principalArn: principalOf(arn) };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new IncompleteError(`cannot resolve AWS credentials (${describeError(err)})`, {
      cause: err,
    });
  }
}

/** arn:aws:sts::1:assumed-role/Role/session → arn:aws:iam::1:role/Role; other ARNs unchanged. */
export function principalOf(arn: string): string {
  const match = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return match ? `arn:${match[1]}:iam::${match[2]}:role/${match[3]}` : arn;
}
