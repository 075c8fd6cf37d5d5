import { chmodSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CachedKey, readCache, writeCache } from '../../../core/credentials/cache.js';
import { currentCredentials, defaultCachePath } from '../../../core/credentials/index.js';
import { parseKey } from '../../../core/credentials/key.js';
import { sdkCalls } from '../../../core/credentials/sdk.js';
import { UsageError } from '../../../core/errors.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const OLD = {
  accessKeyId: 'AKIAOLDOLDOLDOLD0001',
  secretAccessKey: 'old-secret-0000000000000000000000000000',
};
const NEW = {
  accessKeyId: 'AKIANEWNEWNEWNEW0002',
  secretAccessKey: 'new-secret-0000000000000000000000000000',
};
const SECRET_ID = 'keywarden/123456789012/app';

const secrets = mockClient(SecretsManagerClient);
let dir: string;
let cacheFile: string;

function cachedKey(key = OLD): CachedKey {
  return {
    version: 1,
    user: 'app',
    secretId: SECRET_ID,
    region: 'eu-central-1',
    ...key,
    storedAt: NOW.toISOString(),
  };
}
const request = () => ({ user: 'app', cacheFile, expirationMinutes: 60, clock: () => NOW });
const versions = (keyId: string) => ({
  VersionIdsToStages: { [`keywarden-key-${keyId}`.padEnd(32, '-')]: ['AWSCURRENT'] },
});
function awsError(name: string): SecretsManagerServiceException {
  return new SecretsManagerServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'The security token included in the request is invalid.',
  });
}

beforeEach(async () => {
  secrets.reset();
  dir = mkdtempSync(join(tmpdir(), 'keywarden-creds-'));
  cacheFile = join(dir, 'cache', 'app.json');
  await writeCache(cacheFile, cachedKey());
});
afterEach(() => secrets.reset());

describe('currentCredentials', () => {
  it('prints the cached key after DescribeSecret says it is current, reading no secret value', async () => {
    // Prepare
    secrets.on(DescribeSecretCommand).resolves(versions(OLD.accessKeyId));
    const before = statSync(cacheFile);

    // Act
    const printed = await currentCredentials(request(), sdkCalls());

    // Assess
    expect(printed).toEqual({
      Version: 1,
      AccessKeyId: OLD.accessKeyId,
      SecretAccessKey: OLD.secretAccessKey,
      Expiration: '2026-06-01T13:00:00.000Z',
    });
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(secrets.commandCalls(DescribeSecretCommand)[0]?.args[0].input).toEqual({ SecretId: SECRET_ID });
    expect(statSync(cacheFile).ino).toBe(before.ino);
  });

  it('switches to the key the secret names, read by its version, and caches it', async () => {
    // Prepare
    secrets.on(DescribeSecretCommand).resolves(versions(NEW.accessKeyId));
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ AccessKeyId: NEW.accessKeyId, SecretAccessKey: NEW.secretAccessKey }),
    });

    // Act
    const printed = await currentCredentials(request(), sdkCalls());

    // Assess
    expect(printed.AccessKeyId).toBe(NEW.accessKeyId);
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: SECRET_ID,
      VersionId: `keywarden-key-${NEW.accessKeyId}`.padEnd(32, '-'),
    });
    expect(JSON.parse(readFileSync(cacheFile, 'utf8'))).toMatchObject({
      accessKeyId: NEW.accessKeyId,
      region: 'eu-central-1',
    });
    expect(statSync(cacheFile).mode & 0o777).toBe(0o600);
  });

  it.each(['InvalidClientTokenId', 'UnrecognizedClientException', 'AccessDeniedException'])(
    'says in one line what to do when AWS refuses the cached key (%s)',
    async (name) => {
      secrets.on(DescribeSecretCommand).rejects(awsError(name));

      const refused = currentCredentials(request(), sdkCalls());

      await expect(refused).rejects.toThrow(UsageError);
      await expect(refused).rejects.toThrow(
        `the cached key ${OLD.accessKeyId} is no longer valid (${name}): run \`keywarden credentials --user app --init\` with credentials that can read ${SECRET_ID}`,
      );
    },
  );

  it('says how to start when there is no cache', async () => {
    await expect(
      currentCredentials({ ...request(), cacheFile: join(dir, 'none', 'app.json') }, sdkCalls()),
    ).rejects.toThrow(
      `no cached key for app (${join(dir, 'none', 'app.json')}): run \`keywarden credentials --user app --init\` first`,
    );
  });

  it('keeps the cached key while the secret does not exist yet', async () => {
    secrets.on(DescribeSecretCommand).rejects(awsError('ResourceNotFoundException'));

    expect((await currentCredentials(request(), sdkCalls())).AccessKeyId).toBe(OLD.accessKeyId);
  });
});

describe('the cache file', () => {
  it('refuses a cache file its group can read', async () => {
    chmodSync(cacheFile, 0o640);

    await expect(readCache(cacheFile)).rejects.toThrow(
      `cache ${cacheFile}: readable or writable by others (mode 0640)`,
    );
  });

  it('refuses a symbolic link in place of the cache', async () => {
    const link = join(dir, 'cache', 'link.json');
    symlinkSync(cacheFile, link);

    await expect(readCache(link)).rejects.toThrow(
      `cache ${link}: not a regular file (a symbolic link is refused too)`,
    );
  });

  it('is never seen half-written by a reader while it is replaced', async () => {
    // Prepare: a reader that parses the file as often as it can while it is rewritten.
    let reads = 0;
    let torn = 0;
    let writing = true;
    const reader = (async () => {
      while (writing) {
        try {
          JSON.parse(readFileSync(cacheFile, 'utf8'));
        } catch {
          torn++;
        }
        reads++;
        await new Promise((next) => setImmediate(next));
      }
    })();

    // Act
    for (let i = 0; i < 100; i++) await writeCache(cacheFile, cachedKey(i % 2 ? NEW : OLD));
    writing = false;
    await reader;

    // Assess
    expect(reads).toBeGreaterThan(10);
    expect(torn).toBe(0);
  });

  it('defaults to $XDG_CACHE_HOME, else ~/.cache', () => {
    expect(defaultCachePath({ XDG_CACHE_HOME: '/x/cache' }, '/home/u', 'app')).toBe(
      '/x/cache/keywarden/credentials/app.json',
    );
    expect(defaultCachePath({}, '/home/u', 'app')).toBe('/home/u/.cache/keywarden/credentials/app.json');
  });

  it('refuses a corrupted cache with what to do', async () => {
    writeFileSync(cacheFile, '{"version":1', { mode: 0o600 });

    await expect(readCache(cacheFile)).rejects.toThrow(
      `cache ${cacheFile}: not valid JSON; delete it and run keywarden credentials --init again`,
    );
  });
});

describe('parseKey', () => {
  it.each([
    [
      'the JSON keywarden stores',
      JSON.stringify({ AccessKeyId: NEW.accessKeyId, SecretAccessKey: NEW.secretAccessKey }),
    ],
    [
      'the output of aws iam create-access-key',
      JSON.stringify({
        AccessKey: { UserName: 'app', AccessKeyId: NEW.accessKeyId, SecretAccessKey: NEW.secretAccessKey },
      }),
    ],
    ['two lines', `${NEW.accessKeyId}\n${NEW.secretAccessKey}\n`],
  ])('reads %s', (_case, text) => {
    expect(parseKey(text)).toEqual(NEW);
  });

  it.each([
    ['one line', NEW.accessKeyId],
    ['JSON without the secret', '{"AccessKeyId":"AKIA0000000000000000"}'],
    ['three lines', 'a\nb\nc'],
  ])('refuses %s', (_case, text) => {
    expect(parseKey(text)).toBeNull();
  });
});

describe('writeCache', () => {
  it('writes only the fields of the cache contract, never what the SDK adds to a key (issue 25 item 4)', async () => {
    // Prepare: the SDK marks the credentials object it was given with `$source`.
    const marked = Object.assign(cachedKey(NEW), { $source: { CREDENTIALS_CODE: 'e' } });

    // Act
    await writeCache(cacheFile, marked);

    // Assess
    expect(Object.keys(JSON.parse(readFileSync(cacheFile, 'utf8'))).sort()).toEqual([
      'accessKeyId',
      'region',
      'secretAccessKey',
      'secretId',
      'storedAt',
      'user',
      'version',
    ]);
  });
});
