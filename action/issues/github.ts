import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck/light.js';

export type IssueClient = ReturnType<typeof getOctokit>;

export interface ClientOptions {
  token: string;
  baseUrl: string;
  /** Tells a person that GitHub asked us to wait (shown in the log, never fails the run by itself). */
  warn: (message: string) => void;
  /**
   * Pause between writes. GitHub asks integrators to leave at least a second between mutating requests
   * (and the throttling plugin spaces notification-triggering ones by 3 s); tests and benchmarks shorten it.
   */
  writeIntervalMs?: number;
}

/** Retries after a rate limit at most this many times per request. */
const RATE_LIMIT_RETRIES = 3;
/** A wait longer than this means the run would sit idle; give up and let the next run continue. */
const LONGEST_WAIT_SECONDS = 120;

/** Octokit with pagination (built in), throttling (rate limits, write spacing) and retry (5xx). */
export function createIssueClient(options: ClientOptions): IssueClient {
  const interval = options.writeIntervalMs;
  const spacing =
    interval === undefined
      ? {}
      : {
          write: new Bottleneck.Group({ maxConcurrent: 1, minTime: interval }),
          notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: interval }),
        };
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const retrying = retryCount < RATE_LIMIT_RETRIES && retryAfter <= LONGEST_WAIT_SECONDS;
      options.warn(
        `GitHub ${kind} rate limit on ${request.method} ${request.url}: ${retrying ? `retrying after ${retryAfter} s` : 'giving up'}`,
      );
      return retrying;
    };
  return getOctokit(
    options.token,
    {
      baseUrl: options.baseUrl,
      throttle: {
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
        ...spacing,
      },
      retry: { retries: 3 },
    },
    throttling,
    retry,
  );
}
