import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../../action/issues/fingerprint.js';
import { type ActionCore, type ActionEnvironment, run } from '../../action/main.js';
import { DAY_MS } from '../../core/time.js';
import { FakeGitHub } from '../support/fake-github.js';

const asOf = new Date('2026-06-01T12:00:00Z');
const ACCOUNT = '123456789012';
const TOKEN = 'ghs_unitTestToken';
/** Inputs of a run that files issues and never fails on findings. */
const FILING = { 'github-token': TOKEN, source: 'api', 'fail-on': 'never', 'create-issues': 'true' };

/** A typed stand-in for @actions/core that records what the action told the runner. */
function coreFixture(inputs: Record<string, string>) {
  const calls = {
    failed: [] as string[],
    outputs: {} as Record<string, string>,
    notices: [] as string[],
    errors: [] as string[],
    warnings: [] as string[],
  };
  const core: ActionCore = {
    getInput: (name) => inputs[name] ?? '',
    setOutput: (name, value) => {
      calls.outputs[name] = String(value);
    },
    setFailed: (message) => {
      calls.failed.push(String(message));
    },
    setSecret: () => undefined,
    notice: (message) => {
      calls.notices.push(String(message));
    },
    warning: (message) => {
      calls.warnings.push(String(message));
    },
    error: (message) => {
      calls.errors.push(String(message));
    },
    info: () => undefined,
  };
  return { core, calls };
}

function environment(core: ActionCore, env: NodeJS.ProcessEnv, summaries: string[] = []): ActionEnvironment {
  return {
    core,
    env,
    clock: () => asOf,
    awsCredentialsPresent: async () => true,
    writeSummary: async (markdown) => {
      summaries.push(markdown);
    },
  };
}

describe('run', () => {
  it('turns a thrown non-Error into a failed step with one line', async () => {
    // Prepare
    const { core, calls } = coreFixture({});
    core.getInput = () => {
      throw 'the runner is gone';
    };
    // Act
    await run(environment(core, {}));
    // Assess
    expect(calls.failed).toEqual(['keywarden: the runner is gone']);
  });

  it('fails with the input named when an input is invalid, before touching AWS', async () => {
    const { core, calls } = coreFixture({ 'fail-on': 'always' });
    let awsAsked = false;
    const env = environment(core, { GITHUB_REPOSITORY: 'acme/infra' });
    env.awsCredentialsPresent = async () => {
      awsAsked = true;
      return true;
    };
    await run(env);
    expect(calls.failed).toEqual([
      'keywarden: input fail-on: "always" is not one of violation, warning, never',
    ]);
    expect(awsAsked).toBe(false);
  });
});

describe('a run over an account that is partly unreadable', () => {
  const iam = mockClient(IAMClient);
  let github: FakeGitHub;
  let dir: string;

  beforeAll(async () => {
    github = new FakeGitHub('acme', 'infra', TOKEN);
    await github.start();
  });
  afterAll(async () => {
    await github.stop();
    iam.restore();
  });
  beforeEach(() => {
    iam.reset();
    github.issues.clear();
    dir = mkdtempSync(join(tmpdir(), 'kw-main-'));
    writeFileSync(join(dir, 'event.json'), JSON.stringify({ repository: { default_branch: 'main' } }));
    const user = (name: string) => ({
      UserName: name,
      UserId: name,
      Path: '/',
      Arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
      CreateDate: new Date(asOf.getTime() - 400 * DAY_MS),
    });
    iam.on(ListUsersCommand).resolves({ Users: [user('alice'), user('hidden')], IsTruncated: false });
    iam.on(ListUserTagsCommand).resolves({ Tags: [], IsTruncated: false });
    iam.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [] });
    iam.on(ListAccessKeysCommand, { UserName: 'alice' }).resolves({
      AccessKeyMetadata: [
        {
          UserName: 'alice',
          AccessKeyId: 'AKIAALICE00000000001',
          Status: 'Active',
          CreateDate: new Date(asOf.getTime() - 120 * DAY_MS),
        },
      ],
    });
    iam
      .on(ListAccessKeysCommand, { UserName: 'hidden' })
      .rejects(
        Object.assign(new Error('not authorized to perform iam:ListAccessKeys'), { name: 'AccessDenied' }),
      );
    iam
      .on(GetAccessKeyLastUsedCommand)
      .resolves({ AccessKeyLastUsed: { Region: 'N/A', ServiceName: 'N/A' } });
  });

  it('fails as incomplete, files what it found, and closes nothing', async () => {
    // Prepare: an open issue for a user whose keys could not be read this time.
    const open = github.seedIssue({
      title: `Rotate the IAM access key of hidden (account ${ACCOUNT})`,
      body: `<!-- keywarden:fingerprint=${fingerprint(ACCOUNT, 'hidden')} -->`,
      labels: ['iam-key-rotation'],
    });
    const { core, calls } = coreFixture(FILING);
    const summaries: string[] = [];
    // Act
    await run(
      environment(
        core,
        {
          GITHUB_REPOSITORY: 'acme/infra',
          GITHUB_EVENT_NAME: 'schedule',
          GITHUB_EVENT_PATH: join(dir, 'event.json'),
          GITHUB_API_URL: github.baseUrl,
          RUNNER_TEMP: dir,
          GITHUB_WORKSPACE: dir,
          KEYWARDEN_GITHUB_WRITE_INTERVAL_MS: '0',
        },
        summaries,
      ),
    );
    // Assess
    expect(calls.failed).toHaveLength(1);
    expect(calls.failed[0]).toContain('audit incomplete');
    expect(calls.outputs).toMatchObject({ complete: 'false', 'issues-opened': '1', 'issues-closed': '0' });
    expect(github.issues.get(open.number)?.state).toBe('open');
    expect(summaries[0]).toContain('Audit incomplete: no issue was closed');
    expect(summaries[0]).toContain('left open');
    expect(github.violations).toEqual([]);
  });
  it('reports a refused write in the summary and fails, naming where the sync stopped', async () => {
    // Prepare
    github.inject({
      method: 'POST',
      template: '/repos/{owner}/{repo}/issues',
      status: 422,
      body: { message: 'Validation Failed', documentation_url: 'https://docs.github.com' },
    });
    const { core, calls } = coreFixture({ 'github-token': TOKEN, source: 'api', 'create-issues': 'true' });
    const summaries: string[] = [];
    // Act
    await run(
      environment(
        core,
        {
          GITHUB_REPOSITORY: 'acme/infra',
          GITHUB_EVENT_NAME: 'schedule',
          GITHUB_EVENT_PATH: join(dir, 'event.json'),
          GITHUB_API_URL: github.baseUrl,
          RUNNER_TEMP: dir,
          GITHUB_WORKSPACE: dir,
        },
        summaries,
      ),
    );
    // Assess
    expect(calls.failed).toEqual([
      expect.stringMatching(
        /^keywarden: issues not filed: issue sync stopped at creating the issue for alice after 0 changes: GitHub answered HTTP 422 to POST \/repos\/acme\/infra\/issues: Validation Failed: .*; the audit itself ended: audit incomplete/,
      ),
    ]);
    expect(summaries[0]).toContain('The issue sync failed');
    expect(calls.outputs['report-path']).toBeTruthy();
  });
  const runnerEnv = (apiUrl: string) => ({
    GITHUB_REPOSITORY: 'acme/infra',
    GITHUB_EVENT_NAME: 'schedule',
    GITHUB_EVENT_PATH: join(dir, 'event.json'),
    GITHUB_API_URL: apiUrl,
    RUNNER_TEMP: dir,
    GITHUB_WORKSPACE: dir,
    KEYWARDEN_GITHUB_WRITE_INTERVAL_MS: '0',
  });

  it('audits with max-key-age-days 60 and no config file (issue 22 item 1)', async () => {
    // Prepare
    const { core, calls } = coreFixture({
      source: 'api',
      'max-key-age-days': '60',
      'create-issues': 'false',
    });
    // Act
    await run(environment(core, runnerEnv(github.baseUrl)));
    // Assess: alice's 120-day key is judged against 60 days; nothing refused the input.
    expect(calls.failed).toEqual([expect.stringMatching(/^keywarden: audit incomplete/)]);
    expect(calls.outputs.overdue).toBe('1');
  });

  it('names GitHub, the call and what to check when GitHub cannot be reached; the audit stands (issue 22 item 5)', async () => {
    // Prepare: nothing listens where the GitHub API should be.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { core, calls } = coreFixture(FILING);
    const summaries: string[] = [];
    // Act
    await run(environment(core, runnerEnv(`http://127.0.0.1:${port}`), summaries));
    // Assess
    expect(calls.failed).toHaveLength(1);
    const failure = calls.failed[0] as string;
    expect(failure).not.toContain('AWS');
    expect(failure).toContain('GitHub');
    expect(failure).toContain('GET /repos/acme/infra/issues');
    expect(failure).toContain(`http://127.0.0.1:${port}`);
    expect(failure).toMatch(/audit (completed|incomplete)/);
    expect(summaries[0]).not.toContain('cannot reach AWS');
    expect(summaries[0]).toContain('GitHub');
    expect(calls.outputs).toMatchObject({ complete: 'false', overdue: '1', 'issues-opened': '0' });
  }, 30_000);

  it('says which call failed and what to set when the token cannot read its own identity (issue 25 item 5)', async () => {
    // Prepare: a personal access token for which GET /user answers 404.
    const pat = new FakeGitHub('acme', 'infra', 'ghp_personalAccessToken');
    await pat.start();
    try {
      pat.inject({
        method: 'GET',
        template: '/user',
        status: 404,
        body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
      });
      const { core, calls } = coreFixture({ ...FILING, 'github-token': 'ghp_personalAccessToken' });
      // Act
      await run(environment(core, runnerEnv(pat.baseUrl)));
      // Assess
      expect(calls.failed).toHaveLength(1);
      expect(calls.failed[0]).toContain('GET /user');
      expect(calls.failed[0]).toContain('trusted-authors');
      expect(calls.failed[0]).not.toMatch(/^keywarden: Not Found/);
    } finally {
      await pat.stop();
    }
  });
});
