// How a failed GitHub call is told to a person: the service, the call and what to check. Its own module, without
// Octokit, so that the Action's entry can word a failure without loading the client (loaded only to file issues).

import { errorMessage, errorStatus } from '../../core/errors.js';

/** The request an Octokit failure carries (method and URL), or null when `err` is no request failure. */
function requestOf(err: unknown): { method: string; url: string } | null {
  if (typeof err !== 'object' || err === null || !('request' in err)) return null;
  const { request } = err;
  if (typeof request !== 'object' || request === null) return null;
  return {
    method: 'method' in request && typeof request.method === 'string' ? request.method : 'GET',
    url: 'url' in request && typeof request.url === 'string' ? request.url : '',
  };
}

/** What a person checks for each answer GitHub gives to a call that files issues. */
const GITHUB_FIXES: Record<number, string> = {
  401: 'the github-token is not valid (expired or revoked): check the input github-token',
  403: 'the token may not do this: give the workflow `permissions: issues: write`, or use a token that may',
  404: "the repository or endpoint is not visible to this token: check GITHUB_API_URL and the token's repository access",
  422: 'GitHub refused what the request carried (a title, body or label it does not accept)',
};

/**
 * One line for a failed GitHub call: the service, the call (`GET /repos/o/r/issues` on the API's host) and what
 * to check; never a message that could be read as AWS's. `purpose` says why the call was made; `fix` may name a
 * better fix than the general one for an HTTP status.
 */
export function describeGitHubError(
  err: unknown,
  options: { purpose?: string; fix?: (status: number) => string | undefined } = {},
): string {
  const { purpose } = options;
  const message = errorMessage(err).split('\n')[0] ?? '';
  const request = requestOf(err);
  if (!request) return `GitHub${purpose ? ` (${purpose})` : ''}: ${message}`;
  const url = URL.canParse(request.url) ? new URL(request.url) : null;
  const apiUrl = url?.origin ?? 'the configured URL';
  const call = `${request.method} ${url?.pathname ?? request.url}${purpose ? ` (${purpose})` : ''}`;
  // Octokit gives a failure without an answer (refused, no DNS, a timeout) no `response`.
  const answered = typeof err === 'object' && err !== null && 'response' in err && err.response !== undefined;
  if (!answered) {
    return `the GitHub API at ${apiUrl} could not be reached on ${call} (${message}): check GITHUB_API_URL, the runner's network or proxy, and www.githubstatus.com`;
  }
  const status = errorStatus(err) ?? 0;
  const fix =
    options.fix?.(status) ??
    GITHUB_FIXES[status] ??
    (status >= 500 ? 'GitHub failed on its side: see www.githubstatus.com and run again' : 'see the message');
  return `GitHub answered HTTP ${status} to ${call}: ${message.replace(/ - https:\/\/docs\.github\.com\S*$/, '')}: ${fix}`;
}
