import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { errorCode, UsageError } from '../errors.js';

/**
 * Accounts audited at once. Measured against moto (bench/organization.bench.mjs): past 8 the run is no
 * faster, and every account in flight holds an assumed session and a credential report in memory.
 */
export const DEFAULT_ACCOUNT_CONCURRENCY = 8;

/** Which accounts a many-accounts audit covers (`--accounts`, Action input `accounts`). */
export type AccountsSpec =
  | { kind: 'organization'; organizationalUnits: string[] }
  | { kind: 'list'; accounts: string[] };

const ACCOUNT_ID = /^\d{12}$/;
const OU_ID = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;
/** A list of IDs is digits, commas and spaces; anything else names a file. */
const LOOKS_LIKE_IDS = /^[\d,\s]+$/;
/** A file of account IDs is a few kilobytes even for thousands of accounts. */
const MAX_FILE_BYTES = 1024 * 1024;

export interface SpecSources {
  cwd: string;
  /** Reads standard input (for `-`). */
  readStdin: () => Promise<string>;
  /** Where the spec came from, for messages ("--accounts", "input accounts"). */
  name?: string;
}

/**
 * `organization`, `ID,ID,…`, a file of IDs (whitespace, comma or newline separated, `#` comments), or `-` for
 * standard input. Every ID is checked; a bad one is refused naming it, before anything touches AWS.
 */
export async function parseAccountsSpec(
  spec: string,
  organizationalUnits: readonly string[],
  sources: SpecSources,
): Promise<AccountsSpec> {
  const name = sources.name ?? '--accounts';
  const text = spec.trim();
  for (const ou of organizationalUnits) {
    if (!OU_ID.test(ou)) {
      throw new UsageError(
        `--ou ${ou}: not an organizational unit ID (ou-xxxx-xxxxxxxx) or root ID (r-xxxx)`,
      );
    }
  }
  if (text === 'organization') return { kind: 'organization', organizationalUnits: [...organizationalUnits] };
  if (organizationalUnits.length > 0) {
    throw new UsageError(`--ou needs ${name} organization (it limits the organization to those units)`);
  }
  if (text === '') throw new UsageError(`${name}: empty; give organization, account IDs or a file`);
  if (LOOKS_LIKE_IDS.test(text)) return { kind: 'list', accounts: accountIds(text, name) };
  const content =
    text === '-' ? await sources.readStdin() : await readIdFile(resolve(sources.cwd, text), text);
  const where = text === '-' ? `${name} - (standard input)` : `${name} ${text}`;
  return { kind: 'list', accounts: accountIds(content.replace(/#.*$/gm, ''), where) };
}

function accountIds(text: string, where: string): string[] {
  const ids = text.split(/[\s,]+/).filter(Boolean);
  const bad = ids.find((id) => !ACCOUNT_ID.test(id));
  if (bad !== undefined) throw new UsageError(`${where}: "${bad}" is not a 12-digit AWS account ID`);
  if (ids.length === 0) throw new UsageError(`${where}: names no account`);
  return [...new Set(ids)];
}

async function readIdFile(path: string, shown: string): Promise<string> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new UsageError(`--accounts ${shown}: not a regular file`);
    if (info.size > MAX_FILE_BYTES) throw new UsageError(`--accounts ${shown}: larger than 1 MB`);
    return await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = errorCode(err);
    throw new UsageError(
      `--accounts ${shown}: cannot read the account list (${code === 'ENOENT' ? 'no such file' : (code ?? 'error')})`,
    );
  }
}
