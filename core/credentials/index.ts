import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig } from '../aws.js';
import { describeError, IncompleteError, UsageError } from '../errors.js';
import { keyOfVersionId, secretNameFor } from '../rotation/state.js';
import type { Clock } from '../time.js';
import { type CachedKey, readCache, writeCache } from './cache.js';

export { defaultCachePath } from './cache.js';

/** What `credential_process` prints (the AWS SDKs' "process credentials" format, Version 1). */
export interface ProcessCredentials {
  Version: 1;
  AccessKeyId: string;
  SecretAccessKey: string;
  Expiration: string;
}

/** SDKs refresh process credentials 15 minutes before they expire: a shorter Expiration would call us per request. */
export const EXPIRATION_MINUTES = { min: 15, max: 720, default: 60 } as const;

export interface CredentialsRequest {
  user: string;
  /** Default: `keywarden/<account>/<user>` (the account from STS at `--init`). */
  secretId?: string | undefined;
  cacheFile: string;
  region?: string | undefined;
  /** Only for `--init` from the secret: whose credentials read it. */
  profile?: string | undefined;
  expirationMinutes: number;
  clock: Clock;
}

export interface Key {
  accessKeyId: string;
  secretAccessKey: string;
}

type Clients = {
  secrets(credentials: Key | null, region: string | null): SecretsManagerClient;
  sts(credentials: Key | null, region: string | null): STSClient;
};

/** The real clients; credentials given explicitly never consult the chain (no recursion into our own profile). */
export function awsClients(profile?: string): Clients {
  const config = (credentials: Key | null, region: string | null) => ({
    ...clientConfig({ maxAttempts: 3 }),
    ...(region ? { region } : {}),
    ...(credentials ? { credentials } : profile ? { profile } : {}),
  });
  return {
    secrets: (credentials, region) => new SecretsManagerClient(config(credentials, region)),
    sts: (credentials, region) => new STSClient(config(credentials, region)),
  };
}

/**
 * The `credential_process` call: the cached key, after asking the secret (with that key) whether a newer
 * key is current. DescribeSecret names the current key in its version ID without reading the value; only
 * when it names another key is the value read (GetSecretValue, same key) and the cache replaced.
 */
export async function currentCredentials(
  request: CredentialsRequest,
  clients: Clients = awsClients(),
): Promise<ProcessCredentials> {
  const cached = await readCache(request.cacheFile);
  if (!cached) {
    throw new UsageError(
      `no cached key for ${request.user} (${request.cacheFile}): run \`keywarden credentials --user ${request.user} --init\` first`,
    );
  }
  if (cached.user !== request.user) {
    throw new UsageError(
      `cache ${request.cacheFile} holds the key of ${cached.user}, not of ${request.user}`,
    );
  }
  const secretId = request.secretId ?? cached.secretId;
  const region = request.region ?? cached.region;
  const own = { accessKeyId: cached.accessKeyId, secretAccessKey: cached.secretAccessKey };
  const client = clients.secrets(own, region);
  try {
    const next = await newerKey(client, secretId, cached.accessKeyId);
    if (next === null) return processCredentials(cached, request);
    const updated: CachedKey = {
      ...cached,
      ...next,
      secretId,
      region,
      storedAt: request.clock().toISOString(),
    };
    await writeCache(request.cacheFile, updated);
    return processCredentials(updated, request);
  } catch (err) {
    throw ownUseError(err, { user: request.user, keyId: cached.accessKeyId, secretId });
  } finally {
    client.destroy();
  }
}

/** The key the secret names as current when it is not `currentKeyId`; null when the cached key is current. */
async function newerKey(
  client: SecretsManagerClient,
  secretId: string,
  currentKeyId: string,
): Promise<Key | null> {
  let versionId: string | undefined;
  try {
    const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
    versionId = Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) =>
      stages.includes('AWSCURRENT'),
    )?.[0];
  } catch (err) {
    // No secret (yet): keywarden has announced no successor, so the cached key stays the key.
    if (/ResourceNotFound/.test((err as { name?: string }).name ?? '')) return null;
    throw err;
  }
  if (!versionId) return null;
  const named = keyOfVersionId(versionId);
  if (named?.keyId === currentKeyId) return null;
  if (named?.delivery === 'stdout') {
    throw new UsageError(
      `the current key ${named.keyId} of ${secretId} was shown once on standard output, not stored: give it to \`keywarden credentials --init\` on standard input`,
    );
  }
  const key = await readKey(client, secretId, versionId);
  return key.accessKeyId === currentKeyId ? null : key;
}

async function readKey(client: SecretsManagerClient, secretId: string, versionId?: string): Promise<Key> {
  const value = await client.send(
    new GetSecretValueCommand(
      versionId ? { SecretId: secretId, VersionId: versionId } : { SecretId: secretId },
    ),
  );
  const key = parseKey(value.SecretString ?? '');
  if (!key) {
    throw new UsageError(`${secretId} holds no access key (expected AccessKeyId and SecretAccessKey)`);
  }
  return key;
}

/**
 * A key as a person has it: the JSON keywarden stores (`{"AccessKeyId","SecretAccessKey"}`), the output of
 * `aws iam create-access-key` (`{"AccessKey": {…}}`), or two lines, the ID then the secret.
 */
export function parseKey(text: string): Key | null {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as Record<string, unknown> & { AccessKey?: Record<string, unknown> };
      const source = parsed.AccessKey ?? parsed;
      const accessKeyId = source.AccessKeyId;
      const secretAccessKey = source.SecretAccessKey;
      return typeof accessKeyId === 'string' &&
        typeof secretAccessKey === 'string' &&
        accessKeyId &&
        secretAccessKey
        ? { accessKeyId, secretAccessKey }
        : null;
    } catch {
      return null;
    }
  }
  const lines = trimmed.split(/\r?\n/).map((line) => line.trim());
  if (lines.length !== 2 || !lines[0] || !lines[1]) return null;
  return /^[A-Z0-9]{16,128}$/.test(lines[0]) ? { accessKeyId: lines[0], secretAccessKey: lines[1] } : null;
}

export interface InitResult {
  accessKeyId: string;
  secretId: string;
  cacheFile: string;
  /** Where the key came from, for the confirmation line. */
  from: 'standard input' | 'the secret';
  /** The secret does not exist yet: the key is used until keywarden stores a successor. */
  secretMissing: boolean;
}

/**
 * `--init`: the first key, from standard input (`keyText`) or, when there is none, from the owner's secret
 * read with the caller's current credentials. Either way the key must belong to `user` (STS with the key
 * itself), and the cache is written only after that check.
 */
export async function initCredentials(
  request: CredentialsRequest,
  keyText: string | null,
  clients: Clients = awsClients(request.profile),
): Promise<InitResult> {
  let key: Key;
  let account: string;
  let region = request.region ?? null;
  let from: InitResult['from'];
  if (keyText !== null && keyText.trim() !== '') {
    const parsed = parseKey(keyText);
    if (!parsed) {
      throw new UsageError(
        'standard input holds no access key: give {"AccessKeyId": …, "SecretAccessKey": …} (or the output of aws iam create-access-key), or the ID and the secret on two lines',
      );
    }
    key = parsed;
    account = await ownerAccount(clients, key, region, request.user);
    from = 'standard input';
  } else {
    const sts = clients.sts(null, region);
    let caller: { account: string; arn: string };
    try {
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      caller = { account: identity.Account ?? '', arn: identity.Arn ?? '' };
      region ??= (await sts.config.region()) ?? null;
    } catch (err) {
      throw new IncompleteError(
        `cannot read ${request.secretId ?? `keywarden/<account>/${request.user}`}: your current credentials do not work (${describeError(err)}); give the key on standard input instead`,
      );
    } finally {
      sts.destroy();
    }
    const secretId = request.secretId ?? secretNameFor(caller.account, request.user);
    const secrets = clients.secrets(null, region);
    try {
      key = await readKey(secrets, secretId);
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(
        `cannot read ${secretId} as ${caller.arn} (${describeError(err)}): run this as ${request.user}, or give the key on standard input`,
      );
    } finally {
      secrets.destroy();
    }
    account = await ownerAccount(clients, key, region, request.user);
    from = 'the secret';
  }
  const secretId = request.secretId ?? secretNameFor(account, request.user);
  const cached: CachedKey = {
    version: 1,
    user: request.user,
    secretId,
    region,
    ...key,
    storedAt: request.clock().toISOString(),
  };
  await writeCache(request.cacheFile, cached);
  // Take the newest key at once if the secret already names a successor of the one given.
  let secretMissing = false;
  let current = cached;
  const client = clients.secrets(key, region);
  try {
    const described = await client.send(new DescribeSecretCommand({ SecretId: secretId })).catch((err) => {
      if (/ResourceNotFound/.test((err as { name?: string }).name ?? '')) return null;
      throw err;
    });
    secretMissing = described === null;
    if (!secretMissing) {
      const next = await newerKey(client, secretId, key.accessKeyId);
      if (next) {
        current = { ...cached, ...next };
        await writeCache(request.cacheFile, current);
      }
    }
  } catch (err) {
    throw ownUseError(err, { user: request.user, keyId: key.accessKeyId, secretId });
  } finally {
    client.destroy();
  }
  return { accessKeyId: current.accessKeyId, secretId, cacheFile: request.cacheFile, from, secretMissing };
}

/** STS with the key itself: its account, after checking that it is `user`'s own key. */
async function ownerAccount(
  clients: Clients,
  key: Key,
  region: string | null,
  user: string,
): Promise<string> {
  const sts = clients.sts(key, region);
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    const arn = identity.Arn ?? '';
    const name = /^arn:aws[\w-]*:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
    if (name !== user) {
      throw new UsageError(
        `the key ${key.accessKeyId} belongs to ${arn || 'an unknown principal'}, not to IAM user ${user}`,
      );
    }
    return identity.Account ?? '';
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw ownUseError(err, { user, keyId: key.accessKeyId, secretId: `keywarden/<account>/${user}` });
  } finally {
    sts.destroy();
  }
}

/** AWS's answers to a key that no longer works (deactivated, deleted) or may not read the secret. */
const KEY_REFUSED =
  /InvalidClientTokenId|UnrecognizedClient|InvalidSignature|SignatureDoesNotMatch|AccessDenied|NotAuthorized|ExpiredToken/;

/** One line that tells the person exactly what to do; the SDK shows it as the credential_process error. */
function ownUseError(err: unknown, context: { user: string; keyId: string; secretId: string }): Error {
  if (err instanceof UsageError || err instanceof IncompleteError) return err;
  const name = (err as { name?: string } | null)?.name ?? '';
  if (KEY_REFUSED.test(name)) {
    return new UsageError(
      `the cached key ${context.keyId} is no longer valid (${name}): run \`keywarden credentials --user ${context.user} --init\` with credentials that can read ${context.secretId}`,
    );
  }
  return new IncompleteError(`cannot check ${context.secretId} for a newer key: ${describeError(err)}`);
}

function processCredentials(key: CachedKey, request: CredentialsRequest): ProcessCredentials {
  return {
    Version: 1,
    AccessKeyId: key.accessKeyId,
    SecretAccessKey: key.secretAccessKey,
    Expiration: new Date(request.clock().getTime() + request.expirationMinutes * 60_000).toISOString(),
  };
}
