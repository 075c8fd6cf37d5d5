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

interface ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
  errors?: unknown[];
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
    const kind = classifyOne(current as ErrorShape);
    if (kind !== 'other') return kind;
    current = (current as ErrorShape).cause;
  }
  return 'other';
}

function classifyOne(err: ErrorShape): AwsErrorKind {
  if (typeof err !== 'object' || err === null) return 'other';
  const name = err.name ?? '';
  const message = err.message ?? '';
  const status = err.$metadata?.httpStatusCode;
  if (CREDENTIALS.test(name) || /Could not load credentials|Unable to locate credentials/i.test(message))
    return 'credentials';
  if (THROTTLING.test(name) || status === 429) return 'throttling';
  if (ACCESS_DENIED.test(name)) return 'access-denied';
  if (NOT_FOUND.test(name)) return 'not-found';
  if (
    NETWORK_CODES.has(err.code ?? '') ||
    NETWORK_NAMES.test(name) ||
    (err.errors ?? []).some((inner) => NETWORK_CODES.has((inner as ErrorShape)?.code ?? ''))
  )
    return 'network';
  // The SDK could not parse the answer: whatever answered is not an AWS endpoint (a proxy, a portal).
  if (/Deserialization error/i.test(message)) return 'network';
  if (SERVER.test(name) || err.$fault === 'server' || (status !== undefined && status >= 500))
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
  return typeof (err as ErrorShape | null)?.$metadata === 'object';
}

/** One line for a person, whatever was thrown (including things that are not Errors). */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const kind = classifyAwsError(err);
    if (kind === 'network' && !(err instanceof UsageError || err instanceof IncompleteError)) {
      return describeNetworkError(err);
    }
    const code = (err as { name?: string }).name;
    const isAwsError = hasAwsMetadata(err);
    const text = err.message.split('\n')[0] ?? '';
    return isAwsError && code && !text.includes(code) ? `${code}: ${text}` : text;
  }
  return String(err);
}

/** A network failure in one line: never the SDK's raw parser output. */
function describeNetworkError(err: Error): string {
  const shape = err as ErrorShape;
  const code =
    shape.code ?? ((shape.errors ?? []).find((inner) => (inner as ErrorShape)?.code) as ErrorShape)?.code;
  if (/Deserialization error/i.test(err.message)) {
    const status = shape.$metadata?.httpStatusCode;
    return `the AWS endpoint answered with something that is not an AWS response${status ? ` (HTTP ${status})` : ''}: check AWS_ENDPOINT_URL, a proxy or your network`;
  }
  return `cannot reach AWS (${code ?? shape.name ?? 'network error'}): check your network, a proxy, or AWS_ENDPOINT_URL`;
}

/** The message, then every `cause` beneath it with its stack: what `--debug` prints. */
export function describeErrorChain(err: unknown): string {
  const lines: string[] = [];
  for (let current = err, depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    const prefix = depth === 0 ? '' : 'caused by: ';
    if (current instanceof Error) {
      lines.push(`${prefix}${current.stack ?? `${current.name}: ${current.message}`}`);
      current = (current as ErrorShape).cause;
    } else {
      lines.push(`${prefix}${String(current)}`);
      break;
    }
  }
  return lines.join('\n');
}

/** The HTTP status an AWS SDK error carries (`$metadata.httpStatusCode`), or undefined when it carries none. */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('$metadata' in err)) return undefined;
  const metadata = err.$metadata;
  if (typeof metadata !== 'object' || metadata === null || !('httpStatusCode' in metadata)) return undefined;
  return typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}
