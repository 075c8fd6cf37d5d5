import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errorCode, UsageError } from '../errors.js';
import { fieldOf } from './json.js';

/** What the cache file holds: the key the consumer uses now, and where its successor will be announced. */
export interface CachedKey {
  version: 1;
  user: string;
  /** The owner's secret, `keywarden/<account>/<user>` unless `--secret-id` named another. */
  secretId: string;
  /** The region the secret lives in (where `--init` found it). */
  region: string | null;
  accessKeyId: string;
  secretAccessKey: string;
  /** When keywarden wrote this key to the cache (ISO). */
  storedAt: string;
}

/**
 * `$XDG_CACHE_HOME/keywarden/credentials/<user>.json`, else `~/.cache/keywarden/credentials/<user>.json`.
 * One file per user name; a second account's user of the same name needs its own `--cache`.
 */
export function defaultCachePath(env: NodeJS.ProcessEnv, home: string, user: string): string {
  const base = env.XDG_CACHE_HOME?.startsWith('/') ? env.XDG_CACHE_HOME : join(home, '.cache');
  return join(base, 'keywarden', 'credentials', `${user}.json`);
}

const uid = () => (typeof process.getuid === 'function' ? process.getuid() : null);

/**
 * The directory must belong to the caller and be writable by no one else: otherwise another user could
 * swap the cache file for one of their own (rename needs write access to the directory only).
 */
async function checkDirectory(dir: string): Promise<boolean> {
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await lstat(dir);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return false;
    throw new UsageError(`cache directory ${dir}: cannot read it (${errorCode(err) ?? 'error'})`);
  }
  if (!info.isDirectory()) throw new UsageError(`cache directory ${dir}: not a directory`);
  const me = uid();
  if (me !== null && info.uid !== me) {
    throw new UsageError(`cache directory ${dir}: owned by uid ${info.uid}, not by you (uid ${me}); refused`);
  }
  if ((info.mode & 0o022) !== 0) {
    throw new UsageError(
      `cache directory ${dir}: writable by ${info.mode & 0o002 ? 'everyone' : 'its group'} (mode ${octal(info.mode)}); refused: run chmod go-w ${dir}`,
    );
  }
  return true;
}

/** Reads the cache, or null when there is none. Refuses a file anyone but its owner could read or replace. */
export async function readCache(file: string): Promise<CachedKey | null> {
  // No directory yet is no cache yet; any other problem with it is a refusal.
  if (!(await checkDirectory(dirname(file)))) return null;
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await lstat(file);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return null;
    throw new UsageError(`cache ${file}: cannot read it (${errorCode(err) ?? 'error'})`);
  }
  if (!info.isFile())
    throw new UsageError(`cache ${file}: not a regular file (a symbolic link is refused too)`);
  const me = uid();
  if (me !== null && info.uid !== me) {
    throw new UsageError(`cache ${file}: owned by uid ${info.uid}, not by you (uid ${me}); refused`);
  }
  if ((info.mode & 0o077) !== 0) {
    throw new UsageError(
      `cache ${file}: readable or writable by others (mode ${octal(info.mode)}); refused: delete it and run keywarden credentials --init again`,
    );
  }
  const handle = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  let text: string;
  try {
    text = await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
  return parseCache(text, file);
}

function parseCache(text: string, file: string): CachedKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(
      `cache ${file}: not valid JSON; delete it and run keywarden credentials --init again`,
    );
  }
  const field = (name: keyof CachedKey): unknown => fieldOf(parsed, name);
  const [user, secretId, accessKeyId, secretAccessKey, storedAt, region] = (
    ['user', 'secretId', 'accessKeyId', 'secretAccessKey', 'storedAt', 'region'] as const
  ).map(field);
  if (
    field('version') !== 1 ||
    typeof user !== 'string' ||
    typeof secretId !== 'string' ||
    typeof accessKeyId !== 'string' ||
    typeof secretAccessKey !== 'string' ||
    typeof storedAt !== 'string'
  ) {
    throw new UsageError(`cache ${file}: not a keywarden credentials cache; delete it and run --init again`);
  }
  return {
    version: 1,
    user,
    secretId,
    region: typeof region === 'string' ? region : null,
    accessKeyId,
    secretAccessKey,
    storedAt,
  };
}

/**
 * Exactly the fields of the cache contract, in order. A key object the SDK has signed with carries its own
 * bookkeeping (`$source`), and a spread would copy it to disk: only these fields are ever written.
 */
function cacheContract(key: CachedKey): CachedKey {
  const { version, user, secretId, region, accessKeyId, secretAccessKey, storedAt } = key;
  return { version, user, secretId, region, accessKeyId, secretAccessKey, storedAt };
}

/**
 * Replaces the cache atomically: a temporary file (mode 0600, created exclusively) in the same directory,
 * written and fsynced, then renamed over the old one, then the directory fsynced. A reader sees the old
 * key or the new one, never part of a file.
 */
export async function writeCache(file: string, key: CachedKey): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!(await checkDirectory(dir))) throw new UsageError(`cache directory ${dir}: could not be created`);
  const temporary = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(cacheContract(key))}\n`);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temporary).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    await rename(temporary, file);
  } catch (err) {
    await unlink(temporary).catch(() => undefined);
    throw err;
  }
  const directory = await open(dir, constants.O_RDONLY);
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}
