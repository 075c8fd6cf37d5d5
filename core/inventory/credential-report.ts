import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { accountFromArn } from '../aws/arn.js';
import { errorMessage, UsageError } from '../errors.js';
import { visible } from '../text.js';
import { type Inventory, type KeyRecord, ROOT_USER, type UserRecord } from './records.js';

const REQUIRED_COLUMNS = [
  'user',
  'arn',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
] as const;

/** Values IAM writes where a date is absent. */
const NO_DATE = new Set(['N/A', 'no_information', 'not_supported', '']);

/**
 * Parses the IAM credential report (the CSV that GetCredentialReport returns) into key records.
 * The root row's keys are kept (a root key is never compliant for long); the root is not counted as a user.
 * Every malformed value is refused with its line and column: a half-read report is worse than none.
 */
export function parseCredentialReport(
  csv: string,
  origin = 'credential report',
  generatedAt: Date | null = null,
): Inventory {
  let header: string[] | null = null;
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(csv, {
      info: true,
      columns: (names: string[]) => {
        refuseDuplicateColumns(names, origin);
        header = names;
        return names;
      },
      skip_empty_lines: true,
      trim: true,
      bom: true,
    }) as typeof rows;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${origin}: not a valid CSV file (${errorMessage(err).split('\n')[0]})`, {
      cause: err,
    });
  }
  if (header === null) throw new UsageError(`${origin}: the credential report is empty`);
  const columns = new Set<string>(header);
  const missing = REQUIRED_COLUMNS.filter((column) => !columns.has(column));
  if (missing.length > 0) {
    throw new UsageError(
      `${origin}: not an IAM credential report: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
    );
  }

  const users: UserRecord[] = [];
  const keys: KeyRecord[] = [];
  let account = 'unknown';
  for (const { record: row, info } of rows) {
    // The line the row ends on, counted in the file (blank lines included), as an editor shows it.
    const line = info.lines;
    const user = row.user ?? '';
    const userArn = row.arn ?? '';
    if (!user || !userArn.startsWith('arn:')) {
      throw new UsageError(`${origin}: line ${line}: a row needs a user name and an ARN`);
    }
    const rowAccount = accountFromArn(userArn);
    if (account === 'unknown') account = rowAccount;
    if (user !== ROOT_USER)
      users.push({ account: rowAccount, user, userArn, tags: null, quarantinePolicies: null });
    for (const slot of [1, 2] as const) {
      const rotated = row[`access_key_${slot}_last_rotated`] ?? 'N/A';
      const activeText = row[`access_key_${slot}_active`] ?? 'false';
      if (activeText !== 'true' && activeText !== 'false') {
        throw new UsageError(
          `${origin}: line ${line}: access_key_${slot}_active must be true or false, not "${visible(activeText)}"`,
        );
      }
      if (NO_DATE.has(rotated)) {
        // An empty slot; an active key without a creation date would be a key we cannot judge.
        if (activeText === 'true') {
          throw new UsageError(
            `${origin}: line ${line}: access_key_${slot}_active is true but access_key_${slot}_last_rotated is "${visible(rotated)}"`,
          );
        }
        continue;
      }
      keys.push({
        account: rowAccount,
        user,
        userArn,
        accessKeyId: null,
        keySlot: slot,
        status: activeText === 'true' ? 'Active' : 'Inactive',
        createdAt: reportDate(rotated, origin, line, `access_key_${slot}_last_rotated`) as Date,
        lastUsedAt: reportDate(
          row[`access_key_${slot}_last_used_date`] ?? 'N/A',
          origin,
          line,
          `access_key_${slot}_last_used_date`,
        ),
        lastUsedService: NO_DATE.has(row[`access_key_${slot}_last_used_service`] ?? 'N/A')
          ? null
          : (row[`access_key_${slot}_last_used_service`] ?? null),
      });
    }
  }
  return { source: 'credential-report', account, generatedAt, users, keys, gaps: [] };
}

/**
 * A column twice is a report keywarden cannot judge: which of two `access_key_1_active` values is true?
 * (csv-parse would silently keep the last one, turning an active overdue key into a stale one.)
 */
function refuseDuplicateColumns(names: readonly string[], origin: string): void {
  const seen = new Map<string, number[]>();
  names.forEach((name, index) => {
    seen.set(name, [...(seen.get(name) ?? []), index + 1]);
  });
  for (const [name, positions] of seen) {
    if (positions.length > 1) {
      throw new UsageError(
        `${origin}: column ${visible(name) || '(empty name)'} appears ${positions.length} times (columns ${positions.join(', ')}); a credential report has each column once`,
      );
    }
  }
}

function reportDate(text: string, origin: string, line: number, column: string): Date | null {
  if (NO_DATE.has(text)) return null;
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(date.getTime())) {
    throw new UsageError(`${origin}: line ${line}: ${column} is not a date: "${visible(text)}"`);
  }
  return date;
}

/** A 10,000-user report is about 3 MB; anything past this is not a credential report. */
export const MAX_REPORT_BYTES = 256 * 1024 * 1024;

export interface SavedReportSource {
  /** Where a relative path is found. */
  cwd: string;
  /** Read when the file is `-`. */
  stdin?: NodeJS.ReadableStream | undefined;
  maxBytes?: number;
}

/**
 * Reads a saved report strictly: a regular file (checked before it is opened, so a FIFO or a device is
 * refused at once instead of blocking or streaming forever) or `-` for standard input, never more than
 * `maxBytes`, UTF-8, then the CSV or the JSON of `aws iam get-credential-report`.
 */
export async function readSavedReport(file: string, source: SavedReportSource): Promise<Inventory> {
  const maxBytes = source.maxBytes ?? MAX_REPORT_BYTES;
  const origin = file === '-' ? 'standard input' : file;
  const bytes =
    file === '-'
      ? await readBoundedStream(source.stdin, origin, maxBytes)
      : await readRegularFile(resolve(source.cwd, file), origin, maxBytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(
      `${origin}: not UTF-8 text; save the CSV or the output of aws iam get-credential-report`,
    );
  }
  if (text.trim() === '') throw new UsageError(`${origin}: the credential report is empty`);
  const { csv, generatedAt } = decodeSavedReport(text, origin);
  return parseCredentialReport(csv, origin, generatedAt);
}

async function readRegularFile(path: string, origin: string, maxBytes: number): Promise<Buffer> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`${origin}: cannot read credential report (${describeFsError(err)})`);
  });
  if (!info.isFile()) {
    throw new UsageError(
      `${origin}: cannot read credential report (${fileKind(info)}, not a regular file); save the report to a file, or pass - to read standard input`,
    );
  }
  if (info.size > maxBytes) throw tooLarge(origin, maxBytes);
  // O_NONBLOCK: should the path be swapped for a FIFO after the stat, opening it still does not block,
  // and the fstat below refuses it.
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)).catch(
    (err: NodeJS.ErrnoException) => {
      throw new UsageError(`${origin}: cannot read credential report (${describeFsError(err)})`);
    },
  );
  try {
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== info.ino || opened.dev !== info.dev) {
      throw new UsageError(`${origin}: cannot read credential report (it changed while being opened)`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      // The file grew after the stat: still never hold more than the limit.
      if (total > maxBytes) throw tooLarge(origin, maxBytes);
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

async function readBoundedStream(
  stream: NodeJS.ReadableStream | undefined,
  origin: string,
  maxBytes: number,
): Promise<Buffer> {
  if (!stream) throw new UsageError(`${origin}: no standard input to read the credential report from`);
  const chunks: Buffer[] = [];
  let total = 0;
  // Leaving the loop early (too large) destroys the stream: nothing more is read.
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    total += bytes.length;
    if (total > maxBytes) throw tooLarge(origin, maxBytes);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(origin: string, maxBytes: number): UsageError {
  const limit = maxBytes % (1024 * 1024) === 0 ? `${maxBytes / (1024 * 1024)} MiB` : `${maxBytes} bytes`;
  return new UsageError(
    `${origin}: larger than ${limit}, the limit for a credential report (10,000 users make about 3 MB)`,
  );
}

function fileKind(info: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'a special file';
}

function describeFsError(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return 'no such file';
  if (err.code === 'EISDIR') return 'is a directory';
  if (err.code === 'EACCES') return 'permission denied';
  return err.code ?? 'error';
}

/**
 * A saved report is either the CSV itself or the JSON that `aws iam get-credential-report` prints
 * (Content base64-encoded). Both are accepted so that people can save whichever they have.
 */
export function decodeSavedReport(text: string, origin: string): { csv: string; generatedAt: Date | null } {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{')) return { csv: text, generatedAt: null };
  let parsed: { Content?: unknown; GeneratedTime?: unknown; ReportFormat?: unknown };
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new UsageError(
      `${origin}: looks like JSON but does not parse; save the CSV or the output of aws iam get-credential-report`,
    );
  }
  // JSON.parse keeps the last of two equal keys; a second Content would silently replace the first.
  const twice = duplicateTopLevelKey(trimmed);
  if (twice !== null) {
    throw new UsageError(`${origin}: the JSON has the field ${visible(twice)} more than once`);
  }
  if (parsed.ReportFormat !== undefined && parsed.ReportFormat !== 'text/csv') {
    throw new UsageError(
      `${origin}: ReportFormat is ${visible(JSON.stringify(parsed.ReportFormat))}; keywarden reads text/csv reports`,
    );
  }
  if (typeof parsed.Content !== 'string') {
    throw new UsageError(
      `${origin}: JSON without a Content field; expected the output of aws iam get-credential-report`,
    );
  }
  if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(parsed.Content)) {
    throw new UsageError(
      `${origin}: Content is not base64; expected the output of aws iam get-credential-report`,
    );
  }
  const generated = typeof parsed.GeneratedTime === 'string' ? new Date(parsed.GeneratedTime) : null;
  let csv: string;
  try {
    csv = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(parsed.Content, 'base64'));
  } catch {
    throw new UsageError(`${origin}: Content does not decode to UTF-8 text`);
  }
  return {
    csv,
    generatedAt: generated && !Number.isNaN(generated.getTime()) ? generated : null,
  };
}

const KEY_FOLLOWS = /\s*:/y;

/** The first key that appears twice in the top-level object of valid JSON text, or null. */
function duplicateTopLevelKey(json: string): string | null {
  const seen = new Set<string>();
  let depth = 0;
  for (let index = 0; index < json.length; index++) {
    const char = json[index];
    if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') depth--;
    else if (char === '"') {
      const start = index;
      for (index++; index < json.length && json[index] !== '"'; index++) if (json[index] === '\\') index++;
      if (depth !== 1) continue;
      // A string followed by ":" is a key (valid JSON: a value is followed by "," "}" or "]").
      KEY_FOLLOWS.lastIndex = index + 1;
      if (KEY_FOLLOWS.test(json)) {
        const key = String(JSON.parse(json.slice(start, index + 1)));
        if (seen.has(key)) return key;
        seen.add(key);
      }
    }
  }
  return null;
}
