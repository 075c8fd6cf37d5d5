import { errorStatus, IncompleteError } from '../../core/errors.js';
import type { IssueClient } from './github.js';
import { describeGitHubError } from './github-errors.js';
import type { TrackedIssue } from './plan.js';

/** The login of issues the workflow's GITHUB_TOKEN (an installation token of the GitHub Actions app) creates. */
export const WORKFLOW_TOKEN_AUTHOR = 'github-actions[bot]';

/**
 * The logins whose issues keywarden trusts: the token's own identity plus `extra` (input trusted-authors).
 * An installation token (`ghs_…`, the workflow's GITHUB_TOKEN) cannot ask who it is (GET /user answers 403,
 * GET /app needs the app's JWT): it writes as github-actions[bot]. Another app's installation token writes as
 * `<app-slug>[bot]`, which must be listed in trusted-authors. Any other token (a personal access token) is
 * asked with GET /user.
 */
export async function trustedAuthors(
  client: IssueClient,
  token: string,
  extra: readonly string[],
): Promise<Set<string>> {
  const own = token.startsWith('ghs_') ? WORKFLOW_TOKEN_AUTHOR : await ownLogin(client);
  return new Set([own, ...extra].map((login) => login.toLowerCase()));
}

async function ownLogin(client: IssueClient): Promise<string> {
  try {
    return (await client.rest.users.getAuthenticated()).data.login;
  } catch (err) {
    // 403 "Resource not accessible by integration": an installation token in another format.
    if (errorStatus(err) === 403) return WORKFLOW_TOKEN_AUTHOR;
    throw new IncompleteError(
      describeGitHubError(err, {
        purpose: 'who the github-token is, so that the issues it filed are trusted',
        fix: () =>
          "this token's identity cannot be read: use the workflow's GITHUB_TOKEN (the default of github-token; it files as github-actions[bot]), or a token that may call GET /user; the input trusted-authors adds logins, it does not replace the token's own",
      }),
      { cause: err },
    );
  }
}

/**
 * Issues by trusted authors count; the rest carry keywarden's label and marker but were filed by someone
 * else (anyone with triage rights can label an issue): a forged one must not suppress, close or stand in
 * for keywarden's own, so it is set aside and named in the job summary.
 */
export function splitByAuthor(
  issues: readonly TrackedIssue[],
  trusted: ReadonlySet<string>,
): { trusted: TrackedIssue[]; ignored: TrackedIssue[] } {
  const result: { trusted: TrackedIssue[]; ignored: TrackedIssue[] } = { trusted: [], ignored: [] };
  for (const issue of issues) {
    (trusted.has(issue.author.toLowerCase()) ? result.trusted : result.ignored).push(issue);
  }
  return result;
}
