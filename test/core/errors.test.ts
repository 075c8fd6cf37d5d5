import { describe, expect, it } from 'vitest';
import { envChoice, envFlag, envWholeNumber } from '../../core/env.js';
import {
  classifyAwsError,
  describeError,
  describeErrorChain,
  errorCode,
  errorMessage,
  errorName,
  errorStatus,
  IncompleteError,
  isAccessDenied,
  isAwsError,
  isThrottling,
  UsageError,
} from '../../core/errors.js';

/** An error shaped as the AWS SDK throws it. */
function awsError(name: string, status: number, message = `${name} happened`) {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, $fault: 'client' });
}

describe('classifyAwsError', () => {
  it.each([
    [awsError('NoSuchEntity', 404), 'not-found'],
    [awsError('ResourceNotFoundException', 400), 'not-found'],
    [awsError('AccessDenied', 403), 'access-denied'],
    [awsError('AccessDeniedException', 400), 'access-denied'],
    [awsError('Throttling', 400), 'throttling'],
    [awsError('TooManyRequestsException', 429), 'throttling'],
    [awsError('ServiceUnavailable', 503), 'server'],
    [awsError('SomethingOdd', 500), 'server'],
    [awsError('ExpiredToken', 403), 'credentials'],
    [awsError('InvalidClientTokenId', 403), 'credentials'],
    [
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
      'credentials',
    ],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'network'],
    [Object.assign(new Error('getaddrinfo ENOTFOUND iam.example'), { code: 'ENOTFOUND' }), 'network'],
    [Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }), 'network'],
    [
      Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], ''), {}),
      'network',
    ],
    [
      awsError(
        'Error',
        200,
        "char '<' is not expected.:1:1\n  Deserialization error: to see the raw response…",
      ),
      'network',
    ],
    [new Error('a bug'), 'other'],
    ['not even an error', 'other'],
  ])('classifies %s as %s', (err, kind) => {
    expect(classifyAwsError(err)).toBe(kind);
  });

  it('looks through keywarden’s own wrappers to the AWS error beneath', () => {
    const wrapped = new IncompleteError('cannot list IAM users', { cause: awsError('Throttling', 400) });
    expect(classifyAwsError(wrapped)).toBe('throttling');
    expect(wrapped.cause).toBeInstanceOf(Error);
  });

  it('keeps isAccessDenied and isThrottling meaning what they meant', () => {
    expect(isAccessDenied(awsError('AccessDenied', 403))).toBe(true);
    expect(isAccessDenied(awsError('ExpiredToken', 403))).toBe(true);
    expect(isAccessDenied(awsError('NoSuchEntity', 404))).toBe(false);
    expect(isThrottling(awsError('SlowDown', 503))).toBe(true);
    expect(isThrottling(awsError('AccessDenied', 403))).toBe(false);
  });
});

describe('describeError', () => {
  it('says a network failure in one line, never the SDK’s raw parser output', () => {
    const parse = awsError('Error', 200, "char '<' is not expected.:1:1\n  Deserialization error: to see…");
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(describeError(parse)).toBe(
      'the AWS endpoint answered with something that is not an AWS response (HTTP 200): check AWS_ENDPOINT_URL, a proxy or your network',
    );
    expect(describeError(refused)).toBe(
      'cannot reach AWS (ECONNREFUSED): check your network, a proxy, or AWS_ENDPOINT_URL',
    );
  });

  it('prints the whole cause chain for --debug', () => {
    const err = new UsageError('outer', { cause: new Error('inner') });
    const chain = describeErrorChain(err);
    expect(chain).toMatch(/^UsageError: outer\n/);
    expect(chain).toContain('caused by: Error: inner');
  });
});

describe('reading a caught error without a cast', () => {
  it('reads the name, own or inherited, of an AWS error, an Error and a class of keywarden', () => {
    // Assess
    expect(errorName(awsError('NoSuchEntity', 404))).toBe('NoSuchEntity');
    expect(errorName(new TypeError('x'))).toBe('TypeError');
    expect(errorName(new UsageError('x'))).toBe('UsageError');
    expect(isAwsError(awsError('ResourceNotFoundException', 400), 'ResourceNotFoundException')).toBe(true);
    expect(isAwsError(awsError('NoSuchBucketPolicy', 404), /NoSuchBucketPolicy/)).toBe(true);
    expect(isAwsError(new Error('x'), 'NoSuchEntity')).toBe(false);
  });

  it("reads Node's code and an HTTP status from Octokit or the AWS SDK", () => {
    // Prepare
    const enoent = Object.assign(new Error('no such file'), { code: 'ENOENT' });

    // Assess
    expect(errorCode(enoent)).toBe('ENOENT');
    expect(errorCode(new Error('x'))).toBeUndefined();
    expect(errorStatus(Object.assign(new Error('Forbidden'), { status: 403 }))).toBe(403);
    expect(errorStatus(awsError('ServiceUnavailable', 503))).toBe(503);
    expect(errorStatus(new Error('x'))).toBeUndefined();
  });

  it('answers undefined, never throws, for whatever else was thrown', () => {
    // Assess
    for (const thrown of [undefined, null, 'text', 42, { name: 7, code: false, status: '500' }]) {
      expect(errorName(thrown)).toBeUndefined();
      expect(errorCode(thrown)).toBeUndefined();
      expect(errorStatus(thrown)).toBeUndefined();
      expect(isAwsError(thrown, 'NoSuchEntity')).toBe(false);
    }
    expect(errorMessage('text')).toBe('text');
    expect(errorMessage(new Error('the message'))).toBe('the message');
  });
});

describe('KEYWARDEN_* environment values', () => {
  it('refuses a value that is not allowed, naming the variable and the allowed values', () => {
    const env = { KEYWARDEN_AWS_MAX_ATTEMPTS: 'abc', KEYWARDEN_DEBUG: 'maybe' };
    expect(() => envWholeNumber(env, 'KEYWARDEN_AWS_MAX_ATTEMPTS', { min: 1, max: 20 }, 8)).toThrow(
      new UsageError('KEYWARDEN_AWS_MAX_ATTEMPTS="abc" is not valid: use a whole number from 1 to 20'),
    );
    expect(() => envFlag(env, 'KEYWARDEN_DEBUG')).toThrow(
      'KEYWARDEN_DEBUG="maybe" is not valid: use 1, true, yes, 0, false or no',
    );
    expect(() => envChoice({ X: 'b' }, 'X', ['a'], 'a')).toThrow('X="b" is not valid: use one of a');
  });

  it('reads a valid value and falls back when the variable is unset or empty', () => {
    expect(envWholeNumber({ N: '3' }, 'N', { min: 1, max: 20 }, 8)).toBe(3);
    expect(envWholeNumber({ N: '' }, 'N', { min: 1, max: 20 }, 8)).toBe(8);
    expect(envFlag({ D: 'TRUE' }, 'D')).toBe(true);
    expect(envFlag({}, 'D')).toBe(false);
  });
});
