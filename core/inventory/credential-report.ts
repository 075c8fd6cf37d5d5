import { parse } from 'csv-parse/sync';
import { accountFromArn } from '../aws.js';
import { UsageError } from '../errors.js';
import type { Inventory, KeyRecord, UserRecord } from '../types.js';

export const ROOT_USER = '<root_account>';

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
        header = names;
        return names;
      },
      skip_empty_lines: true,
      trim: true,
      bom: true,
    }) as typeof rows;
  } catch (err) {
    throw new UsageError(`${origin}: not a valid CSV file (${(err as Error).message.split('\n')[0]})`, {
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
    if (user !== ROOT_USER) users.push({ account: rowAccount, user, userArn, tags: null });
    for (const slot of [1, 2] as const) {
      const rotated = row[`access_key_${slot}_last_rotated`] ?? 'N/A';
      const activeText = row[`access_key_${slot}_active`] ?? 'false';
      if (activeText !== 'true' && activeText !== 'false') {
        throw new UsageError(
          `${origin}: line ${line}: access_key_${slot}_active must be true or false, not "${activeText}"`,
        );
      }
      if (NO_DATE.has(rotated)) {
        // An empty slot; an active key without a creation date would be a key we cannot judge.
        if (activeText === 'true') {
          throw new UsageError(
            `${origin}: line ${line}: access_key_${slot}_active is true but access_key_${slot}_last_rotated is "${rotated}"`,
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

function reportDate(text: string, origin: string, line: number, column: string): Date | null {
  if (NO_DATE.has(text)) return null;
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(date.getTime())) {
    throw new UsageError(`${origin}: line ${line}: ${column} is not a date: "${text}"`);
  }
  return date;
}

/**
 * A saved report is either the CSV itself or the JSON that `aws iam get-credential-report` prints
 * (Content base64-encoded). Both are accepted so that people can save whichever they have.
 */
export function decodeSavedReport(text: string, origin: string): { csv: string; generatedAt: Date | null } {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{')) return { csv: text, generatedAt: null };
  let parsed: { Content?: unknown; GeneratedTime?: unknown };
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new UsageError(
      `${origin}: looks like JSON but does not parse; save the CSV or the output of aws iam get-credential-report`,
    );
  }
  if (typeof parsed.Content !== 'string') {
    throw new UsageError(
      `${origin}: JSON without a Content field; expected the output of aws iam get-credential-report`,
    );
  }
  const generated = typeof parsed.GeneratedTime === 'string' ? new Date(parsed.GeneratedTime) : null;
  return {
    csv: Buffer.from(parsed.Content, 'base64').toString('utf8'),
    generatedAt: generated && !Number.isNaN(generated.getTime()) ? generated : null,
  };
}
