/**
 * Errors that the edges (CLI main, Action run(), Lambda handler) turn into exit codes and messages.
 * Everything below the edge throws; nothing below the edge prints or exits.
 * Each class takes `{ cause }` (the error it wraps), so `--debug` can show the whole chain.
 */

/** Documented exit codes of every keywarden command. */
export const ExitCode = {
  ok: 0,
  findings: 1,
  usage: 2,
  incomplete: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Bad input from a person: a flag, a config file, a report file, an environment variable. Exit 2, one line. */
export class UsageError extends Error {
  readonly exitCode = ExitCode.usage;
  override name = 'UsageError';
  /** `cause`: the error this one wraps (shown by --debug). */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The work could not be done completely (access denied, throttled past retries, no network). Exit 3. */
export class IncompleteError extends Error {
  readonly exitCode = ExitCode.incomplete;
  override name = 'IncompleteError';
  /** `cause`: the error this one wraps (shown by --debug). */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** What kind of failure an AWS call met: the one classification every caller uses. */
export type AwsErrorKind =
  | 'not-found'
  | 'access-denied'
  | 'throttling'
  | 'server'
  | 'network'
  | 'credentials'
  | 'other';

/**
 * A property of whatever was thrown, own or inherited (an Error's `name` is on its prototype); undefined
 * when the thrown value is not an object. Caught errors are read through this, never cast.
 */
function propertyOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;
}

function stringProperty(value: unknown, key: string): string | undefined {
  const property = propertyOf(value, key);
  return typeof property === 'string' ? property : undefined;
}

/** The `name` of whatever was thrown: an AWS error's code (`NoSuchEntity`, `ResourceNotFoundException`). */
export function errorName(err: unknown): string | undefined {
  return stringProperty(err, 'name');
}

/** The `code` of whatever was thrown: Node's system error code (`ENOENT`, `EEXIST`, `ECONNREFUSED`). */
export function errorCode(err: unknown): string | undefined {
  return stringProperty(err, 'code');
}

/** The HTTP status of whatever was thrown: Octokit's `status`, else the AWS SDK's `$metadata.httpStatusCode`. */
export function errorStatus(err: unknown): number | undefined {
  const status = propertyOf(err, 'status') ?? propertyOf(propertyOf(err, '$metadata'), 'httpStatusCode');
  return typeof status === 'number' ? status : undefined;
}

/** Whether `err` is the AWS error `name` (or, with a RegExp, one whose name it matches). */
export function isAwsError(err: unknown, name: string | RegExp): boolean {
  const actual = errorName(err);
  if (actual === undefined) return false;
  return typeof name === 'string' ? actual === name : name.test(actual);
}

/** The message of whatever was thrown (a thrown string is its own message). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The errors an AggregateError (Node's "connect failed on every address") carries; none otherwise. */
function innerErrors(err: unknown): unknown[] {
  const errors = propertyOf(err, 'errors');
  return Array.isArray(errors) ? errors : [];
}

const CREDENTIALS =
  /^(CredentialsProviderError|TokenProviderError|ExpiredToken(Exception)?|InvalidClientTokenId|UnrecognizedClientException|InvalidAccessKeyId|SignatureDoesNotMatch|InvalidToken|IncompleteSignature(Exception)?|MissingAuthenticationToken)$/;
const ACCESS_DENIED = /AccessDenied|UnauthorizedOperation|NotAuthorized|AuthorizationError|Forbidden/i;
const THROTTLING = /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown|ProvisionedThroughputExceeded/i;
const NOT_FOUND =
  /^(NoSuchEntity(Exception)?|ResourceNotFoundException|NotFound(Exception)?|NoSuch\w+|NotFoundException)$/;
const SERVER =
  /^(InternalFailure|InternalError|InternalServerError|ServiceUnavailable(Exception)?|ServiceFailure)$/;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);
const NETWORK_NAMES = /^(TimeoutError|RequestTimeout(Exception)?|NetworkingError|AbortError)$/;

/**
 * NoSuchEntity, AccessDenied, throttling, 5xx, network (no route, refused, timed out, or an endpoint that
 * answered with something that is not an AWS response), missing or expired credentials — or other.
 * Looks through keywarden's own wrappers (`cause`) to the AWS error beneath.
 */
export function classifyAwsError(err: unknown): AwsErrorKind {
  for (let current = err, depth = 0; current && depth < 8; depth++) {
    const kind = classifyOne(current);
    if (kind !== 'other') return kind;
    current = propertyOf(current, 'cause');
  }
  return 'other';
}

function classifyOne(err: unknown): AwsErrorKind {
  if (typeof err !== 'object' || err === null) return 'other';
  const name = errorName(err) ?? '';
  const message = stringProperty(err, 'message') ?? '';
  const status = awsHttpStatus(err);
  if (CREDENTIALS.test(name) || /Could not load credentials|Unable to locate credentials/i.test(message))
    return 'credentials';
  if (THROTTLING.test(name) || status === 429) return 'throttling';
  if (ACCESS_DENIED.test(name)) return 'access-denied';
  if (NOT_FOUND.test(name)) return 'not-found';
  if (
    NETWORK_CODES.has(errorCode(err) ?? '') ||
    NETWORK_NAMES.test(name) ||
    innerErrors(err).some((inner) => NETWORK_CODES.has(errorCode(inner) ?? ''))
  )
    return 'network';
  // The SDK could not parse the answer: whatever answered is not an AWS endpoint (a proxy, a portal).
  if (/Deserialization error/i.test(message)) return 'network';
  if (SERVER.test(name) || propertyOf(err, '$fault') === 'server' || (status !== undefined && status >= 500))
    return 'server';
  if (status === 403) return 'access-denied';
  if (status === 404) return 'not-found';
  return 'other';
}

/** AWS errors that mean "this caller may not see this" (including a token that is no longer valid). */
export function isAccessDenied(err: unknown): boolean {
  const kind = classifyAwsError(err);
  return kind === 'access-denied' || (kind === 'credentials' && hasAwsMetadata(err));
}

export function isThrottling(err: unknown): boolean {
  return classifyAwsError(err) === 'throttling';
}

function hasAwsMetadata(err: unknown): boolean {
  return typeof propertyOf(err, '$metadata') === 'object';
}

/** The HTTP status the AWS SDK recorded (`$metadata.httpStatusCode`), or undefined when it recorded none. */
export function awsHttpStatus(err: unknown): number | undefined {
  const status = propertyOf(propertyOf(err, '$metadata'), 'httpStatusCode');
  return typeof status === 'number' ? status : undefined;
}

/** One line for a person, whatever was thrown (including things that are not Errors). */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const kind = classifyAwsError(err);
    if (kind === 'network' && !(err instanceof UsageError || err instanceof IncompleteError)) {
      return describeNetworkError(err);
    }
    const code = err.name;
    const text = err.message.split('\n')[0] ?? '';
    return hasAwsMetadata(err) && code && !text.includes(code) ? `${code}: ${text}` : text;
  }
  return String(err);
}

/** A network failure in one line: never the SDK's raw parser output. */
function describeNetworkError(err: Error): string {
  const code =
    errorCode(err) ??
    innerErrors(err)
      .map(errorCode)
      .find((inner) => inner);
  if (/Deserialization error/i.test(err.message)) {
    const status = awsHttpStatus(err);
    return `the AWS endpoint answered with something that is not an AWS response${status ? ` (HTTP ${status})` : ''}: check AWS_ENDPOINT_URL, a proxy or your network`;
  }
  return `cannot reach AWS (${code ?? err.name ?? 'network error'}): check your network, a proxy, or AWS_ENDPOINT_URL`;
}

/** The message, then every `cause` beneath it with its stack: what `--debug` prints. */
export function describeErrorChain(err: unknown): string {
  const lines: string[] = [];
  for (let current = err, depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    const prefix = depth === 0 ? '' : 'caused by: ';
    if (current instanceof Error) {
      lines.push(`${prefix}${current.stack ?? `${current.name}: ${current.message}`}`);
      current = current.cause;
    } else {
      lines.push(`${prefix}${String(current)}`);
      break;
    }
  }
  return lines.join('\n');
}
