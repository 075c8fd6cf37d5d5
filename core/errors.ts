/**
 * Errors that the edges (CLI main, Action run(), Lambda handler) turn into exit codes and messages.
 * Everything below the edge throws; nothing below the edge prints or exits.
 */

/** Documented exit codes of every keywarden command. */
export const ExitCode = {
  ok: 0,
  findings: 1,
  usage: 2,
  incomplete: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Bad input from a person: a flag, a config file, a report file. Exit 2, one line, no stack. */
export class UsageError extends Error {
  readonly exitCode = ExitCode.usage;
  override name = 'UsageError';
}

/** The work could not be done completely (access denied, throttled past retries). Exit 3. */
export class IncompleteError extends Error {
  readonly exitCode = ExitCode.incomplete;
  override name = 'IncompleteError';
}

/** One line for a person, whatever was thrown (including things that are not Errors). */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { name?: string }).name;
    const isAwsError = typeof (err as { $metadata?: unknown }).$metadata === 'object';
    const text = err.message.split('\n')[0] ?? '';
    return isAwsError && code && !text.includes(code) ? `${code}: ${text}` : text;
  }
  return String(err);
}

/** AWS error names that mean "this caller may not see this", not "this failed". */
export function isAccessDenied(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name ?? '';
  return /AccessDenied|UnauthorizedOperation|NotAuthorized|InvalidClientTokenId|ExpiredToken/i.test(name);
}

export function isThrottling(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name ?? '';
  return /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown/i.test(name);
}
