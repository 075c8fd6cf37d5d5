import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SECRET_PREFIX } from '../aws/permissions.js';
import { describeError, errorName, IncompleteError, isAwsError, UsageError } from '../errors.js';
import { keyOfVersionId, secretNameFor } from '../rotation/state.js';
import type { Clock } from '../time.js';
import { type CachedKey, readCache, writeCache } from './cache.js';
import { type DescribedSecret, describeSecretDirect, endpointFor } from './describe.js';
import { type Key, parseKey } from './key.js';
import type { SdkCalls } from './sdk.js';

export { defaultCachePath } from './cache.js';

/** What `credential_process` prints (the AWS SDKs' "process credentials" format, Version 1). */
export interface ProcessCredentials {
  Version: 1;
  AccessKeyId: string;
  SecretAccessKey: string;
  Expiration: string;
}

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

/** The AWS calls the helper makes; tests replace them. */
export type Calls = SdkCalls;

/**
 * The real calls: DescribeSecret directly (node:crypto and one HTTPS request) wherever the SDK would use
 * the same endpoint, everything else through the SDK, loaded on first use.
 */
export function awsCalls(options: { profile?: string | undefined; env?: NodeJS.ProcessEnv } = {}): Calls {
  const env = options.env ?? {};
  let loaded: Promise<SdkCalls> | undefined;
  const sdk = () => {
    loaded ??= import('./sdk.js').then((module) => module.sdkCalls(options.profile));
    return loaded;
  };
  return {
    async describeSecret(key, region, secretId) {
      const endpoint = key ? endpointFor(region, env, await configText(env)) : null;
      if (endpoint && key && region) return describeSecretDirect(endpoint, region, secretId, key, new Date());
      return (await sdk()).describeSecret(key, region, secretId);
    },
    getSecretValue: async (...args) => (await sdk()).getSecretValue(...args),
    callerIdentity: async (...args) => (await sdk()).callerIdentity(...args),
  };
}

/** The shared config file's text, to tell whether it configures endpoints the direct call would not honour. */
async function configText(env: NodeJS.ProcessEnv): Promise<string> {
  const file = env.AWS_CONFIG_FILE || join(env.HOME || homedir(), '.aws', 'config');
  return readFile(file, 'utf8').catch(() => '');
}

/**
 * The `credential_process` call: the cached key, after asking the secret (with that key) whether a newer
 * key is current. DescribeSecret names the current key in its version ID without reading the value; only
 * when it names another key is the value read (GetSecretValue, same key) and the cache replaced.
 */
export async function currentCredentials(
  request: CredentialsRequest,
  calls: Calls = awsCalls(),
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
  try {
    const next = await newerKey(calls, own, region, secretId);
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
  }
}

const isNotFound = (err: unknown) => isAwsError(err, /ResourceNotFound/);

/** The key the secret names as current when it is not `own`; null when `own` is current or no secret exists. */
async function newerKey(
  calls: Calls,
  own: Key,
  region: string | null,
  secretId: string,
): Promise<Key | null> {
  let described: DescribedSecret;
  try {
    described = await calls.describeSecret(own, region, secretId);
  } catch (err) {
    // No secret (yet): keywarden has announced no successor, so the cached key stays the key.
    if (isNotFound(err)) return null;
    throw err;
  }
  const versionId = Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) =>
    stages.includes('AWSCURRENT'),
  )?.[0];
  if (!versionId) return null;
  const named = keyOfVersionId(versionId);
  if (named?.keyId === own.accessKeyId) return null;
  if (named?.delivery === 'stdout') {
    throw new UsageError(
      `the current key ${named.keyId} of ${secretId} was shown once on standard output, not stored: give it to \`keywarden credentials --init\` on standard input`,
    );
  }
  const key = await readKey(calls, own, region, secretId, versionId);
  return key.accessKeyId === own.accessKeyId ? null : key;
}

async function readKey(
  calls: Calls,
  key: Key | null,
  region: string | null,
  secretId: string,
  versionId?: string,
): Promise<Key> {
  const parsed = parseKey(await calls.getSecretValue(key, region, secretId, versionId));
  if (!parsed) {
    throw new UsageError(`${secretId} holds no access key (expected AccessKeyId and SecretAccessKey)`);
  }
  return parsed;
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
  calls: Calls = awsCalls({ profile: request.profile }),
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
    ({ account, region } = await ownerAccount(calls, key, region, request.user));
    from = 'standard input';
  } else {
    let caller: { account: string; arn: string; region: string | null };
    try {
      caller = await calls.callerIdentity(null, region);
    } catch (err) {
      throw new IncompleteError(
        `cannot read ${request.secretId ?? `${SECRET_PREFIX}<account>/${request.user}`}: your current credentials do not work (${describeError(err)}); give the key on standard input instead`,
      );
    }
    region ??= caller.region;
    const secretId = request.secretId ?? secretNameFor(caller.account, request.user);
    try {
      key = await readKey(calls, null, region, secretId);
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(
        `cannot read ${secretId} as ${caller.arn} (${describeError(err)}): run this as ${request.user}, or give the key on standard input`,
      );
    }
    ({ account } = await ownerAccount(calls, key, region, request.user));
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
  try {
    secretMissing = await calls.describeSecret(key, region, secretId).then(
      () => false,
      (err: unknown) => {
        if (isNotFound(err)) return true;
        throw err;
      },
    );
    const next = secretMissing ? null : await newerKey(calls, key, region, secretId);
    if (next) {
      current = { ...cached, ...next };
      await writeCache(request.cacheFile, current);
    }
  } catch (err) {
    throw ownUseError(err, { user: request.user, keyId: key.accessKeyId, secretId });
  }
  return { accessKeyId: current.accessKeyId, secretId, cacheFile: request.cacheFile, from, secretMissing };
}

/** STS with the key itself: its account (and region), after checking that it is `user`'s own key. */
async function ownerAccount(
  calls: Calls,
  key: Key,
  region: string | null,
  user: string,
): Promise<{ account: string; region: string | null }> {
  let identity: { account: string; arn: string; region: string | null };
  try {
    identity = await calls.callerIdentity(key, region);
  } catch (err) {
    throw ownUseError(err, { user, keyId: key.accessKeyId, secretId: `${SECRET_PREFIX}<account>/${user}` });
  }
  const name = /^arn:aws[\w-]*:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(identity.arn)?.[1];
  if (name !== user) {
    throw new UsageError(
      `the key ${key.accessKeyId} belongs to ${identity.arn || 'an unknown principal'}, not to IAM user ${user}`,
    );
  }
  return { account: identity.account, region: region ?? identity.region };
}

/** AWS's answers to a key that no longer works (deactivated, deleted) or may not read the secret. */
const KEY_REFUSED =
  /InvalidClientTokenId|UnrecognizedClient|InvalidSignature|SignatureDoesNotMatch|AccessDenied|NotAuthorized|ExpiredToken/;

/** One line that tells the person exactly what to do; the SDK shows it as the credential_process error. */
function ownUseError(err: unknown, context: { user: string; keyId: string; secretId: string }): Error {
  if (err instanceof UsageError || err instanceof IncompleteError) return err;
  const name = errorName(err) ?? '';
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
