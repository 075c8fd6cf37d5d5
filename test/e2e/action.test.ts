import { readFileSync } from 'node:fs';
import { DeleteAccessKeyCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../../action/issues/fingerprint.js';
import { FakeGitHub } from '../support/fake-github.js';
import { seedIam } from '../support/iam-seed.js';
import { type Moto, motoAvailable, startMoto } from '../support/moto.js';
import { OpenApiChecker } from '../support/openapi.js';
import { seedOrganization } from '../support/organization.js';
import { type RunOptions, runAction } from '../support/runner.js';

const asOf = new Date('2026-06-01T12:00:00Z');
const ACCOUNT = '123456789012';
const TOKEN = 'ghs_keywardenFakeToken0123456789';
const AWS_SECRET = 'kw-e2e-secret-Zq8vN3pL0wYx';
const LABEL = 'iam-key-rotation';
const HOSTILE_OWNER = '<img src=x onerror=alert(1)> [pay here](https://evil.example) @acme/everyone **now**';

describe.skipIf(!motoAvailable())('the action as a runner runs it, against moto and a fake GitHub', () => {
  let moto: Moto;
  let github: FakeGitHub;
  let checker: OpenApiChecker;
  let keyIds: Map<string, string[]>;

  beforeAll(async () => {
    moto = await startMoto();
    checker = new OpenApiChecker();
  });
  afterAll(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await github?.stop();
    github = new FakeGitHub('acme', 'infra', TOKEN, checker);
    await github.start();
    await moto.reset();
    keyIds = await seedIam(moto, asOf, [
      { name: 'alice', tags: { owner: HOSTILE_OWNER }, keys: [{ ageDays: 200, lastUsedDaysAgo: 1 }] },
      { name: 'bob', keys: [{ ageDays: 95, lastUsedDaysAgo: 2 }] },
      { name: 'carol', keys: [{ ageDays: 80, lastUsedDaysAgo: 1 }] },
      { name: 'dave', keys: [{ ageDays: 10, lastUsedDaysAgo: 1 }] },
    ]);
  });

  const run = (options: Partial<RunOptions> & { inputs?: Record<string, string> } = {}) =>
    runAction({
      event: 'schedule',
      apiUrl: github.baseUrl,
      repository: 'acme/infra',
      token: TOKEN,
      awsEnv: { ...moto.env, AWS_SECRET_ACCESS_KEY: AWS_SECRET },
      ...options,
      inputs: { source: 'api', 'as-of': asOf.toISOString(), ...options.inputs },
    });

  const issueOf = (user: string) =>
    [...github.issues.values()].find((i) => i.body?.includes(fingerprint(ACCOUNT, user)));

  it('opens one issue per violating user on the first run and fails the check', async () => {
    // Act
    const result = await run();
    // Assess
    expect(github.violations).toEqual([]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('::error::keywarden: 2 violations and 1 warning');
    expect(result.outputs).toMatchObject({
      account: ACCOUNT,
      violations: '2',
      warnings: '1',
      'issues-opened': '2',
      'issues-closed': '0',
      complete: 'true',
    });
    expect([...github.issues.values()].map((i) => i.title).sort()).toEqual([
      `Rotate the IAM access key of alice (account ${ACCOUNT})`,
      `Rotate the IAM access key of bob (account ${ACCOUNT})`,
    ]);
    expect(issueOf('alice')?.labels).toEqual([LABEL, `aws:${ACCOUNT}`]);
    expect(issueOf('alice')?.body).toContain('21 CFR 11.300(b)');
    expect(result.summary).toContain('xychart-beta');
    expect(result.summary).toContain('opened: #');
    const report = JSON.parse(readFileSync(result.outputs['report-path'] as string, 'utf8'));
    expect(report.summary.overdue).toBe(2);
  });

  it('audits from the credential report by default and names the flagged keys', async () => {
    // Act
    const result = await run({ inputs: { source: '' } });
    // Assess
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({ violations: '2', 'issues-opened': '2' });
    const bobKey = keyIds.get('bob')?.[0] ?? '';
    expect(issueOf('bob')?.body).toContain(`AKIA…${bobKey.slice(-4)}`);
    expect(issueOf('alice')?.body).toContain('**Owner hint**: none');
    expect(github.violations).toEqual([]);
  });

  it('makes zero writes on a second run with nothing changed', async () => {
    // Prepare
    await run();
    github.resetLog();
    // Act
    const second = await run();
    // Assess
    expect(github.writes()).toEqual([]);
    expect(github.requests.map((r) => `${r.method} ${r.template}`)).toEqual([
      'GET /repos/{owner}/{repo}/issues',
    ]);
    expect(second.outputs).toMatchObject({
      'issues-opened': '0',
      'issues-updated': '0',
      'issues-closed': '0',
    });
    expect(github.violations).toEqual([]);
  });

  it('closes the issue, with a comment, once the key is fixed', async () => {
    // Prepare
    await run();
    const iam = new IAMClient({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'bob', AccessKeyId: keyIds.get('bob')?.[0] }));
    iam.destroy();
    // Act
    const result = await run();
    // Assess
    expect(result.outputs['issues-closed']).toBe('1');
    expect(issueOf('bob')).toMatchObject({ state: 'closed', stateReason: 'completed' });
    expect(issueOf('bob')?.comments[0]).toContain('Resolved');
    expect(issueOf('alice')?.state).toBe('open');
    expect(github.violations).toEqual([]);
  });

  it('reopens a completed issue when its violation returns', async () => {
    // Prepare
    const closed = github.seedIssue({
      title: `Rotate the IAM access key of bob (account ${ACCOUNT})`,
      body: `<!-- keywarden:fingerprint=${fingerprint(ACCOUNT, 'bob')} -->\nold text`,
      labels: [LABEL],
      state: 'closed',
      stateReason: 'completed',
    });
    // Act
    const result = await run();
    // Assess
    expect(result.outputs).toMatchObject({ 'issues-reopened': '1', 'issues-opened': '1' });
    expect(github.issues.get(closed.number)).toMatchObject({ state: 'open', stateReason: 'reopened' });
    expect(github.issues.get(closed.number)?.comments[0]).toContain('returned');
    expect(github.issues.size).toBe(2);
    expect(github.violations).toEqual([]);
  });

  it('leaves an issue closed as not planned closed and files no other', async () => {
    // Prepare
    const notPlanned = github.seedIssue({
      title: `Rotate the IAM access key of alice (account ${ACCOUNT})`,
      body: `<!-- keywarden:fingerprint=${fingerprint(ACCOUNT, 'alice')} -->\naccepted risk`,
      labels: [LABEL],
      state: 'closed',
      stateReason: 'not_planned',
    });
    // Act
    const result = await run();
    // Assess
    expect(github.issues.get(notPlanned.number)).toMatchObject({
      state: 'closed',
      stateReason: 'not_planned',
    });
    expect(
      [...github.issues.values()].filter((i) => i.body?.includes(fingerprint(ACCOUNT, 'alice'))),
    ).toHaveLength(1);
    expect(result.outputs['issues-opened']).toBe('1');
    expect(result.summary).toContain('closed as not planned, left closed');
  });

  it('survives rate limits (403, 429 with retry-after) and a 5xx without filing duplicates', async () => {
    // Prepare
    const reset = String(Math.ceil(Date.now() / 1000) + 1);
    github.inject({
      method: 'GET',
      template: '/repos/{owner}/{repo}/issues',
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset, 'x-ratelimit-limit': '1000' },
      body: {
        message: 'API rate limit exceeded for installation.',
        documentation_url: 'https://docs.github.com',
      },
    });
    github.inject({
      method: 'POST',
      template: '/repos/{owner}/{repo}/issues',
      status: 429,
      headers: { 'retry-after': '1' },
      body: {
        message: 'You have exceeded a secondary rate limit.',
        documentation_url: 'https://docs.github.com',
      },
    });
    github.inject({
      method: 'POST',
      template: '/repos/{owner}/{repo}/issues',
      status: 503,
      afterApply: true,
      body: { message: 'Service unavailable', code: 'unavailable' },
    });
    // Act
    const result = await run();
    // Assess
    expect(result.exitCode).toBe(1);
    expect(result.stdout).not.toContain('issue sync stopped');
    expect(github.requests.some((r) => r.status === 403)).toBe(true);
    expect(github.requests.some((r) => r.status === 429)).toBe(true);
    expect(github.requests.some((r) => r.status === 503)).toBe(true);
    expect(github.issues.size).toBe(2);
    expect(new Set([...github.issues.values()].map((i) => i.title)).size).toBe(2);
    expect(result.outputs['issues-opened']).toBe('2');
    expect(github.violations).toEqual([]);
  });

  it('files nothing on a pull request and fails the check on violations', async () => {
    // Act
    const result = await run({
      event: 'pull_request',
      ref: 'refs/pull/7/merge',
      inputs: { 'create-issues': 'true' },
    });
    // Assess
    expect(result.exitCode).toBe(1);
    expect(github.requests).toEqual([]);
    expect(result.summary).toContain('never filed from a pull_request event');
    expect(result.outputs['issues-opened']).toBe('0');
  });

  it('skips a pull request from a fork that has no AWS credentials, with a notice', async () => {
    // Act
    const result = await run({
      event: 'pull_request',
      awsEnv: { AWS_REGION: 'us-east-1' },
      payload: {
        pull_request: {
          head: { repo: { full_name: 'someone/infra' } },
          base: { repo: { full_name: 'acme/infra' } },
        },
      },
    });
    // Assess
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('::notice::keywarden skipped the audit');
    expect(result.stdout).toContain('from a fork');
    expect(result.outputs.skipped).toBe('true');
    expect(github.requests).toEqual([]);
  });

  it('checks the policy file even on a pull request without AWS credentials', async () => {
    const result = await run({
      event: 'pull_request',
      awsEnv: { AWS_REGION: 'us-east-1' },
      workspaceFiles: { 'keywarden.yml': 'maxKeyAgeDays: 90\nwarnDays: 120\n' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      '::error::keywarden: keywarden.yml: warnDays: must be less than maxKeyAgeDays',
    );
    expect(result.outputs.skipped).toBeUndefined();
  });

  it('fails with one line when a scheduled run has no AWS credentials', async () => {
    const result = await run({ awsEnv: { AWS_REGION: 'us-east-1' } });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('::error::keywarden: no AWS credentials');
    expect(result.stderr).toBe('');
  });

  it('audits every account of the organization from one run of the bundled action', async () => {
    // Prepare
    const org = await seedOrganization(moto, asOf, [
      { name: 'payments', users: [{ name: 'pay-ci', keys: [{ ageDays: 150 }] }] },
    ]);
    const payments = org.accounts.get('payments') as string;
    // Act
    const result = await run({ inputs: { accounts: 'organization', 'role-name': 'keywarden-audit-member' } });
    // Assess
    expect(github.violations).toEqual([]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('::error::keywarden: 3 violations and 1 warning in 2 accounts');
    expect(result.outputs).toMatchObject({ account: 'multiple', complete: 'true', 'issues-opened': '3' });
    const payIssue = [...github.issues.values()].find((i) =>
      i.body?.includes(fingerprint(payments, 'pay-ci')),
    );
    expect(payIssue?.labels).toEqual([LABEL, `aws:${payments}`]);
    expect(issueOf('alice')?.labels).toEqual([LABEL, `aws:${ACCOUNT}`]);
    expect(
      github.requests.filter((r) => r.template === '/repos/{owner}/{repo}/issues' && r.method === 'GET'),
    ).toHaveLength(1);
    const report = JSON.parse(readFileSync(result.outputs['report-path'] as string, 'utf8'));
    expect(report.accounts.map((a: { account: string }) => a.account).sort()).toEqual(
      [ACCOUNT, payments].sort(),
    );
    expect(result.summary).toContain('audit of 2 accounts');
    expect(result.stdout + result.stderr + result.summary).not.toContain(AWS_SECRET);
  });

  it('keeps secrets and full key IDs out of every surface, and renders hostile tags inert', async () => {
    // Act
    const result = await run();
    // Assess
    const report = readFileSync(result.outputs['report-path'] as string, 'utf8');
    const issues = [...github.issues.values()].flatMap((i) => [i.title, i.body ?? '', ...i.comments]);
    // The runner consumes ::add-mask:: itself; it is how a token is kept out of the log.
    const log = (result.stdout + result.stderr)
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    const surfaces = {
      log,
      summary: result.summary,
      report,
      issues: issues.join('\n'),
      outputs: JSON.stringify(result.outputs),
      traffic: github.traffic.join('\n'),
    };
    const fullKeyIds = [...keyIds.values()].flat();
    for (const [name, text] of Object.entries(surfaces)) {
      expect(text.includes(AWS_SECRET), `${name} holds the AWS secret`).toBe(false);
      expect(name === 'traffic' || !text.includes(TOKEN), `${name} holds the GitHub token`).toBe(true);
      for (const id of fullKeyIds) expect(text.includes(id), `${name} holds a full key ID`).toBe(false);
    }
    const alice = issueOf('alice')?.body ?? '';
    expect(alice).toContain('Owner hint');
    expect(alice.includes('<img')).toBe(false);
    expect(alice.includes('](https')).toBe(false);
    expect(alice.includes('@acme')).toBe(false);
    expect(alice.includes('**now**')).toBe(false);
  });
});
