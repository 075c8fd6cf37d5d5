import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig } from '../aws/clients.js';
import type { DescribedSecret } from './describe.js';
import type { Key } from './key.js';

/**
 * The AWS SDK side of `keywarden credentials`, loaded only when a call needs it (an --init, a switch, or an
 * endpoint the direct DescribeSecret does not know). Credentials given explicitly never consult the
 * default chain, so the helper never recurses into the profile that runs it.
 */
export interface SdkCalls {
  describeSecret(key: Key | null, region: string | null, secretId: string): Promise<DescribedSecret>;
  getSecretValue(
    key: Key | null,
    region: string | null,
    secretId: string,
    versionId?: string,
  ): Promise<string>;
  callerIdentity(
    key: Key | null,
    region: string | null,
  ): Promise<{ account: string; arn: string; region: string | null }>;
}

export function sdkCalls(profile?: string): SdkCalls {
  const config = (key: Key | null, region: string | null) => ({
    ...clientConfig({ maxAttempts: 3 }),
    ...(region ? { region } : {}),
    // A copy: the SDK marks the credentials object it is given (`$source`), and ours is written to the cache.
    ...(key
      ? { credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey } }
      : profile
        ? { profile }
        : {}),
  });
  return {
    async describeSecret(key, region, secretId) {
      const client = new SecretsManagerClient(config(key, region));
      try {
        return await client.send(new DescribeSecretCommand({ SecretId: secretId }));
      } finally {
        client.destroy();
      }
    },
    async getSecretValue(key, region, secretId, versionId) {
      const client = new SecretsManagerClient(config(key, region));
      try {
        const value = await client.send(
          new GetSecretValueCommand(
            versionId ? { SecretId: secretId, VersionId: versionId } : { SecretId: secretId },
          ),
        );
        return value.SecretString ?? '';
      } finally {
        client.destroy();
      }
    },
    async callerIdentity(key, region) {
      const client = new STSClient(config(key, region));
      try {
        const identity = await client.send(new GetCallerIdentityCommand({}));
        return {
          account: identity.Account ?? '',
          arn: identity.Arn ?? '',
          region: (await client.config.region()) ?? null,
        };
      } finally {
        client.destroy();
      }
    },
  };
}
