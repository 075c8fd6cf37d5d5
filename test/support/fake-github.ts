import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type MatchedOperation, OpenApiChecker } from './openapi.js';

/**
 * A local stand-in for the part of GitHub's REST API that issue sync uses: issues, comments and labels
 * kept as state. Every request and every response is checked against GitHub's OpenAPI description;
 * anything that does not conform is recorded in `violations` (a test asserts it stays empty).
 */

export interface FakeIssue {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: 'completed' | 'not_planned' | 'duplicate' | 'reopened' | null;
  labels: string[];
  comments: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** A pull request (the issues list returns those too). */
  pullRequest?: boolean;
  /** Who opened it (the token's identity for issues created through the API). */
  author?: string;
}

export interface Fault {
  method: string;
  /** Path template from the description, e.g. /repos/{owner}/{repo}/issues. */
  template: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Carry out the request first, then answer with the fault (a write that landed but reported failure). */
  afterApply?: boolean;
}

export interface RecordedRequest {
  method: string;
  template: string;
  status: number;
}

/**
 * GitHub's rate-limit documentation says any endpoint may answer 403 or 429 when a limit is hit, even where
 * the operation does not declare those statuses.
 */
const RATE_LIMIT_STATUSES = [403, 429];
const ACTOR = 'github-actions[bot]';

export class FakeGitHub {
  readonly issues = new Map<number, FakeIssue>();
  readonly labels = new Set<string>();
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  /** Every request body and response body as sent, for checks that nothing secret went out. */
  readonly traffic: string[] = [];
  private readonly faults: Fault[] = [];
  private server: Server | null = null;
  private nextId = 1000;
  baseUrl = '';
  /**
   * What GET /user answers for a token that is not an installation token: a login (a personal access token),
   * or null (403 "Resource not accessible by integration"). An installation token (`ghs_…`) always gets the 403,
   * as from GitHub, whatever this says.
   */
  tokenLogin: string | null = null;
  /** Author of issues created through the API. */
  actor = ACTOR;

  readonly owner: string;
  readonly repo: string;
  readonly token: string;
  private readonly checker: OpenApiChecker;

  // Plain fields, not parameter properties: the benchmarks load this file with Node's type stripping.
  constructor(owner: string, repo: string, token: string, checker = new OpenApiChecker()) {
    this.owner = owner;
    this.repo = repo;
    this.token = token;
    this.checker = checker;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        this.violations.push(`fake crashed: ${String(err)}`);
        res.writeHead(500).end();
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Answers the next matching request with a fault (once). */
  inject(fault: Fault): void {
    this.faults.push(fault);
  }

  /** Requests that change something (anything but GET), including failed ones. */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  resetLog(): void {
    this.requests.length = 0;
    this.traffic.length = 0;
  }

  /** An issue as a person would leave it: closed with a reason, or filed by hand. */
  seedIssue(issue: Partial<FakeIssue> & Pick<FakeIssue, 'title' | 'body' | 'labels'>): FakeIssue {
    const now = new Date().toISOString();
    const created: FakeIssue = {
      number: this.issues.size + 1,
      state: 'open',
      stateReason: null,
      comments: [],
      createdAt: now,
      updatedAt: now,
      closedAt: issue.state === 'closed' ? now : null,
      ...issue,
    };
    this.issues.set(created.number, created);
    for (const label of created.labels) this.labels.add(label);
    return created;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const method = req.method ?? 'GET';
    const text = await readBody(req);
    this.traffic.push(text);
    const matched = this.checker.match(method, url.pathname);
    if (!matched) {
      this.violations.push(`${method} ${url.pathname}: no such operation in GitHub's description`);
      return this.send(res, null, 404, { message: 'Not Found' });
    }
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      this.violations.push(`${method} ${matched.template}: request body is not JSON`);
    }
    const problems = this.checker.checkRequest(matched, url.searchParams, body);
    if (problems.length > 0) {
      this.violations.push(...problems.map((p) => `${method} ${matched.template}: ${p}`));
      return this.send(res, matched, 422, {
        message: 'Validation Failed',
        documentation_url: 'https://docs.github.com',
      });
    }
    if (req.headers.authorization?.replace(/^(token|Bearer) /, '') !== this.token) {
      return this.send(res, matched, 401, { message: 'Bad credentials' });
    }
    const faultIndex = this.faults.findIndex((f) => f.method === method && f.template === matched.template);
    const fault = faultIndex >= 0 ? this.faults.splice(faultIndex, 1)[0] : undefined;
    if (fault && !fault.afterApply) {
      return this.send(res, matched, fault.status, fault.body ?? { message: 'fault' }, fault.headers);
    }
    const [status, payload, headers] = this.route(matched, url, body as Record<string, unknown> | undefined);
    if (fault)
      return this.send(res, matched, fault.status, fault.body ?? { message: 'fault' }, fault.headers);
    return this.send(res, matched, status, payload, headers);
  }

  private route(
    matched: MatchedOperation,
    url: URL,
    body: Record<string, unknown> | undefined,
  ): [number, unknown, Record<string, string>?] {
    const { owner, repo, issue_number } = matched.params;
    if (matched.template.startsWith('/repos/') && (owner !== this.owner || repo !== this.repo))
      return [404, { message: 'Not Found' }];
    const key = `${matched.method} ${matched.template}`;
    const issue = issue_number ? this.issues.get(Number(issue_number)) : undefined;
    switch (key) {
      case 'GET /repos/{owner}/{repo}/issues':
        return this.list(url);
      case 'GET /user':
        // An installation token (`ghs_…`, the workflow's GITHUB_TOKEN or any app's) cannot read GET /user.
        return this.tokenLogin === null || this.token.startsWith('ghs_')
          ? [
              403,
              {
                message: 'Resource not accessible by integration',
                documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
              },
            ]
          : [200, privateUser(this.tokenLogin)];
      case 'POST /repos/{owner}/{repo}/issues': {
        const now = new Date().toISOString();
        const labels = uniqueLabels([], labelNames((body?.labels as unknown[]) ?? []));
        const created = this.seedIssue({
          title: String(body?.title),
          body: (body?.body as string) ?? null,
          labels,
          createdAt: now,
          author: this.actor,
        });
        return [201, this.issueJson(created)];
      }
      case 'PATCH /repos/{owner}/{repo}/issues/{issue_number}': {
        if (!issue) return [404, { message: 'Not Found' }];
        const now = new Date().toISOString();
        if (typeof body?.title === 'string') issue.title = body.title;
        if (typeof body?.body === 'string') issue.body = body.body;
        // GitHub replaces the whole set: a PATCH with labels drops the labels a person added.
        if (Array.isArray(body?.labels)) {
          issue.labels = uniqueLabels([], labelNames(body.labels));
          for (const label of issue.labels) this.labels.add(label);
        }
        if (body?.state === 'closed' && issue.state === 'open') {
          issue.state = 'closed';
          issue.closedAt = now;
          issue.stateReason = (body.state_reason as FakeIssue['stateReason']) ?? 'completed';
        } else if (body?.state === 'open' && issue.state === 'closed') {
          issue.state = 'open';
          issue.closedAt = null;
          issue.stateReason = 'reopened';
        }
        issue.updatedAt = now;
        return [200, this.issueJson(issue)];
      }
      case 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels': {
        if (!issue) return [404, { message: 'Not Found' }];
        // Adds to the issue's labels (creating unknown ones in the repository) and answers with all of them.
        const added = labelNames(Array.isArray(body) ? body : ((body?.labels as unknown[]) ?? []));
        issue.labels = uniqueLabels(issue.labels, added);
        for (const label of issue.labels) this.labels.add(label);
        issue.updatedAt = new Date().toISOString();
        return [200, this.labelsJson(issue)];
      }
      case 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        if (!issue) return [404, { message: 'Not Found' }];
        issue.comments.push(String(body?.body));
        const id = this.nextId++;
        const now = new Date().toISOString();
        const base = `${this.baseUrl}/repos/${this.owner}/${this.repo}`;
        return [
          201,
          {
            id,
            node_id: `IC_${id}`,
            url: `${base}/issues/comments/${id}`,
            html_url: `https://github.com/${this.owner}/${this.repo}/issues/${issue.number}#issuecomment-${id}`,
            issue_url: `${base}/issues/${issue.number}`,
            body: String(body?.body),
            user: user(),
            created_at: now,
            updated_at: now,
            author_association: 'NONE',
          },
        ];
      }
      default:
        this.violations.push(`${key}: the fake does not implement this operation`);
        return [404, { message: 'Not Found' }];
    }
  }

  private list(url: URL): [number, unknown, Record<string, string>] {
    const state = url.searchParams.get('state') ?? 'open';
    const wanted = (url.searchParams.get('labels') ?? '').split(',').filter(Boolean);
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), 100);
    const page = Number(url.searchParams.get('page') ?? 1);
    const all = [...this.issues.values()]
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => wanted.every((label) => i.labels.includes(label)))
      .sort((a, b) => b.number - a.number);
    const items = all.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < all.length) {
      const next = new URL(url.toString(), this.baseUrl);
      next.searchParams.set('page', String(page + 1));
      headers.link = `<${next.toString()}>; rel="next"`;
    }
    return [200, items.map((i) => this.issueJson(i)), headers];
  }

  private issueJson(issue: FakeIssue): Record<string, unknown> {
    const base = `${this.baseUrl}/repos/${this.owner}/${this.repo}`;
    const html = `https://github.com/${this.owner}/${this.repo}/issues/${issue.number}`;
    return {
      id: 5000 + issue.number,
      node_id: `I_${issue.number}`,
      url: `${base}/issues/${issue.number}`,
      repository_url: base,
      labels_url: `${base}/issues/${issue.number}/labels{/name}`,
      comments_url: `${base}/issues/${issue.number}/comments`,
      events_url: `${base}/issues/${issue.number}/events`,
      html_url: html,
      number: issue.number,
      state: issue.state,
      state_reason: issue.stateReason,
      title: issue.title,
      body: issue.body,
      user: user(issue.author ?? ACTOR),
      labels: this.labelsJson(issue),
      assignee: null,
      assignees: [],
      milestone: null,
      locked: false,
      active_lock_reason: null,
      comments: issue.comments.length,
      closed_at: issue.closedAt,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      author_association: 'NONE',
      ...(issue.pullRequest
        ? {
            pull_request: {
              url: `${base}/pulls/${issue.number}`,
              html_url: html,
              diff_url: null,
              patch_url: null,
            },
          }
        : {}),
    };
  }

  private labelsJson(issue: FakeIssue): Record<string, unknown>[] {
    const base = `${this.baseUrl}/repos/${this.owner}/${this.repo}`;
    return issue.labels.map((name, index) => ({
      id: 100 + index,
      node_id: `LA_${name}`,
      url: `${base}/labels/${encodeURIComponent(name)}`,
      name,
      description: null,
      color: 'ededed',
      default: false,
    }));
  }

  private send(
    res: ServerResponse,
    matched: MatchedOperation | null,
    status: number,
    payload: unknown,
    headers: Record<string, string> = {},
  ): void {
    if (matched) {
      this.requests.push({ method: matched.method, template: matched.template, status });
      const problems = this.checker.checkResponse(matched, status, payload, RATE_LIMIT_STATUSES);
      this.violations.push(...problems.map((p) => `${matched.method} ${matched.template}: ${p}`));
    }
    const text = JSON.stringify(payload);
    this.traffic.push(text);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(text);
  }
}

/** Label names from a request: strings or objects with a name. */
function labelNames(labels: readonly unknown[]): string[] {
  return labels.flatMap((label) =>
    typeof label === 'string'
      ? [label]
      : typeof (label as { name?: unknown })?.name === 'string'
        ? [(label as { name: string }).name]
        : [],
  );
}

/** GitHub label names are case-insensitive: a name the issue already has (in any case) is not added again. */
function uniqueLabels(existing: readonly string[], added: readonly string[]): string[] {
  const result = [...existing];
  for (const label of added) {
    if (!result.some((name) => name.toLowerCase() === label.toLowerCase())) result.push(label);
  }
  return result;
}

function user(login = ACTOR): Record<string, unknown> {
  const api = `https://api.github.com/users/${encodeURIComponent(login)}`;
  const bot = login.endsWith('[bot]');
  return {
    login,
    id: bot ? 41898282 : 1000 + login.length,
    node_id: 'MDM6Qm90NDE4OTgyODI=',
    avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4',
    gravatar_id: '',
    url: api,
    html_url: 'https://github.com/apps/github-actions',
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: bot ? 'Bot' : 'User',
    site_admin: false,
  };
}

/** GET /user for a personal access token: the public fields and the private-user ones. */
function privateUser(login: string): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    ...user(login),
    name: null,
    company: null,
    blog: null,
    location: null,
    email: null,
    hireable: null,
    bio: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: now,
    updated_at: now,
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
    plan: { collaborators: 0, name: 'free', space: 976562499, private_repos: 10000 },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
