import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../../action/issues/fingerprint.js';
import { type ActionCore, type ActionEnvironment, run } from '../../action/main.js';
import { FakeGitHub } from '../support/fake-github.js';
import { assumeRoleDenied, type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { seedIam } from '../support/iam-seed.js';
import { type Moto, motoAvailable, startMoto } from '../support/moto.js';
import { type SeededOrganization, seedOrganization } from '../support/organization.js';

const asOf = new Date('2026-06-01T12:00:00Z');
const TOKEN = 'ghs_organizationTestToken';
const LABEL = 'iam-key-rotation';
const ROLE = 'keywarden-audit';

function coreFixture(inputs: Record<string, string>) {
  const calls = { failed: [] as string[], outputs: {} as Record<string, string> };
  const core: ActionCore = {
    getInput: (name) => inputs[name] ?? '',
    setOutput: (name, value) => {
      calls.outputs[name] = String(value);
    },
    setFailed: (message) => {
      calls.failed.push(String(message));
    },
    setSecret: () => undefined,
    notice: () => undefined,
    warning: () => undefined,
    error: () => undefined,
    info: () => undefined,
  };
  return { core, calls };
}

describe.skipIf(!motoAvailable())('the action over many accounts and the issues of a repository', () => {
  let moto: Moto;
  let proxy: FaultProxy;
  let github: FakeGitHub;
  let org: SeededOrganization;
  let dir: string;
  const id = (name: string) => org.accounts.get(name) as string;

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startFaultProxy(moto.endpoint);
    moto.useInThisProcess();
    process.env.AWS_ENDPOINT_URL = proxy.endpoint;
  });
  afterAll(async () => {
    await github?.stop();
    await proxy?.close();
    await moto?.stop();
  });
  beforeEach(async () => {
    await github?.stop();
    github = new FakeGitHub('acme', 'infra', TOKEN);
    await github.start();
    proxy.setFaults([]);
    await moto.reset();
    dir = mkdtempSync(join(tmpdir(), 'kw-org-action-'));
    writeFileSync(join(dir, 'event.json'), JSON.stringify({ repository: { default_branch: 'main' } }));
    org = await seedOrganization(moto, asOf, [
      { name: 'payments', users: [{ name: 'pay-ci', keys: [{ ageDays: 120 }] }] },
      { name: 'research', users: [{ name: 'lab-sync', keys: [{ ageDays: 300 }] }] },
      { name: 'sandbox', users: [{ name: 'tinker', keys: [{ ageDays: 200 }] }] },
    ]);
  });

  async function runAction(inputs: Record<string, string>) {
    const { core, calls } = coreFixture({
      'github-token': TOKEN,
      'create-issues': 'true',
      'as-of': asOf.toISOString(),
      ...inputs,
    });
    const summaries: string[] = [];
    const environment: ActionEnvironment = {
      core,
      env: {
        GITHUB_REPOSITORY: 'acme/infra',
        GITHUB_EVENT_NAME: 'schedule',
        GITHUB_EVENT_PATH: join(dir, 'event.json'),
        GITHUB_API_URL: github.baseUrl,
        GITHUB_RUN_ID: '4242',
        RUNNER_TEMP: dir,
        GITHUB_WORKSPACE: dir,
        KEYWARDEN_GITHUB_WRITE_INTERVAL_MS: '0',
      },
      clock: () => asOf,
      awsCredentialsPresent: async () => true,
      writeSummary: async (markdown) => {
        summaries.push(markdown);
      },
    };
    await run(environment);
    return { ...calls, summary: summaries[0] ?? '' };
  }
  const issueOf = (account: string, user: string) =>
    [...github.issues.values()].find((i) => i.body?.includes(fingerprint(account, user)));
  const seedTracked = (
    account: string,
    user: string,
    extra: Partial<Parameters<FakeGitHub['seedIssue']>[0]> = {},
  ) =>
    github.seedIssue({
      title: `Rotate the IAM access key of ${user} (account ${account})`,
      body: `<!-- keywarden:fingerprint=${fingerprint(account, user)} -->\nfiled earlier`,
      labels: [LABEL],
      author: 'github-actions[bot]',
      ...extra,
    });

  it('files the issues of every account from one listing, each with its account label', async () => {
    // Prepare: 150 issues of other accounts, so the listing takes two pages.
    for (let n = 0; n < 150; n++)
      seedTracked(String(100000000000 + n), `other-${n}`, { state: 'closed', stateReason: 'completed' });
    github.resetLog();
    // Act
    const result = await runAction({ accounts: 'organization', 'role-name': ROLE, 'fail-on': 'never' });
    // Assess
    expect(result.failed).toEqual([]);
    expect(github.violations).toEqual([]);
    const listings = github.requests.filter(
      (r) => r.method === 'GET' && r.template === '/repos/{owner}/{repo}/issues',
    );
    expect(listings).toHaveLength(2);
    for (const [account, user] of [
      [id('payments'), 'pay-ci'],
      [id('research'), 'lab-sync'],
      [id('sandbox'), 'tinker'],
    ] as const) {
      expect(issueOf(account, user)?.labels).toEqual([LABEL, `aws:${account}`]);
    }
    expect(result.outputs).toMatchObject({ account: 'multiple', complete: 'true', 'issues-opened': '3' });
    expect(result.summary).toContain('audit of 4 accounts');
    expect(result.summary).toContain(`| ${id('payments')} (payments) | yes | 1 | 1 | 1 |`);
  });

  it('closes resolved issues only of accounts scanned completely in this run', async () => {
    // Prepare: resolved issues in two accounts; one of them cannot be assumed this run.
    const inPayments = seedTracked(id('payments'), 'gone-user');
    const inResearch = seedTracked(id('research'), 'gone-user');
    const missing = `arn:aws:iam::${id('research')}:role/${ROLE}`;
    proxy.setFaults([assumeRoleDenied(missing, `arn:aws:iam::${org.management}:user/moto`)]);
    // Act
    const result = await runAction({ accounts: 'organization', 'role-name': ROLE, 'fail-on': 'never' });
    // Assess
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toContain('audit incomplete: 1 part of 1 of 4 accounts could not be read');
    expect(github.issues.get(inPayments.number)).toMatchObject({ state: 'closed', stateReason: 'completed' });
    expect(github.issues.get(inResearch.number)?.state).toBe('open');
    expect(issueOf(id('research'), 'lab-sync')).toBeUndefined();
    expect(issueOf(id('payments'), 'pay-ci')?.state).toBe('open');
    expect(result.summary).toContain(`| ${id('research')} (research) | **no** (1 gap) |`);
    expect(github.violations).toEqual([]);
  });

  it('shares the write cap across accounts, oldest violation first, and lists the rest', async () => {
    // Act
    const result = await runAction({
      accounts: 'organization',
      'role-name': ROLE,
      'fail-on': 'never',
      'max-issue-writes': '2',
    });
    // Assess
    expect(result.outputs).toMatchObject({ 'issues-opened': '2', 'issues-deferred': '1' });
    expect(issueOf(id('research'), 'lab-sync')).toBeDefined();
    expect(issueOf(id('sandbox'), 'tinker')).toBeDefined();
    expect(issueOf(id('payments'), 'pay-ci')).toBeUndefined();
    expect(result.summary).toContain(`open an issue for pay-ci (account ${id('payments')})`);
  });
});

describe.skipIf(!motoAvailable())('only the action’s own issues count', () => {
  let moto: Moto;
  let github: FakeGitHub;
  let dir: string;
  const ACCOUNT = '123456789012';

  beforeAll(async () => {
    moto = await startMoto();
    moto.useInThisProcess();
  });
  afterAll(async () => {
    await github?.stop();
    await moto?.stop();
  });
  beforeEach(async () => {
    await github?.stop();
    github = new FakeGitHub('acme', 'infra', TOKEN);
    await github.start();
    await moto.reset();
    dir = mkdtempSync(join(tmpdir(), 'kw-forged-'));
    writeFileSync(join(dir, 'event.json'), JSON.stringify({ repository: { default_branch: 'main' } }));
    await seedIam(moto, asOf, [{ name: 'alice', keys: [{ ageDays: 200 }] }]);
  });

  async function runAction(inputs: Record<string, string> = {}, token = TOKEN) {
    const { core, calls } = coreFixture({
      'github-token': token,
      'create-issues': 'true',
      'fail-on': 'never',
      'as-of': asOf.toISOString(),
      ...inputs,
    });
    const summaries: string[] = [];
    await run({
      core,
      env: {
        GITHUB_REPOSITORY: 'acme/infra',
        GITHUB_EVENT_NAME: 'schedule',
        GITHUB_EVENT_PATH: join(dir, 'event.json'),
        GITHUB_API_URL: github.baseUrl,
        RUNNER_TEMP: dir,
        GITHUB_WORKSPACE: dir,
        KEYWARDEN_GITHUB_WRITE_INTERVAL_MS: '0',
      },
      clock: () => asOf,
      awsCredentialsPresent: async () => true,
      writeSummary: async (markdown) => {
        summaries.push(markdown);
      },
    });
    return { ...calls, summary: summaries[0] ?? '' };
  }
  const forge = (author: string) =>
    github.seedIssue({
      title: 'Rotate the IAM access key of alice (account 123456789012)',
      body: `<!-- keywarden:fingerprint=${fingerprint(ACCOUNT, 'alice')} -->\nnothing to see`,
      labels: [LABEL],
      state: 'closed',
      stateReason: 'not_planned',
      author,
    });

  it('ignores a forged issue closed as not planned, files the user’s issue and names the forgery', async () => {
    // Prepare: anyone with triage rights can label an issue and copy the computable fingerprint.
    const forged = forge('mallory');
    // Act
    const result = await runAction();
    // Assess
    const filed = [...github.issues.values()].filter((i) => i.number !== forged.number);
    expect(filed).toHaveLength(1);
    expect(filed[0]).toMatchObject({ state: 'open', author: 'github-actions[bot]' });
    expect(result.outputs['issues-opened']).toBe('1');
    expect(result.summary).toContain(`#${forged.number} by mallory (closed as not planned)`);
    expect(github.violations).toEqual([]);
  });

  it('still honours an issue the action itself filed and a person closed as not planned', async () => {
    // Prepare
    forge('github-actions[bot]');
    // Act
    const result = await runAction();
    // Assess
    expect(github.issues.size).toBe(1);
    expect(result.outputs['issues-opened']).toBe('0');
  });

  it('trusts the user of a personal access token (GET /user) and the logins of trusted-authors', async () => {
    // Prepare
    const pat = 'github_pat_fakeTokenForTests';
    const patGithub = new FakeGitHub('acme', 'infra', pat);
    await github.stop();
    github = patGithub;
    await github.start();
    github.tokenLogin = 'security-bot';
    forge('security-bot');
    forge('keywarden-app[bot]');
    // Act
    const result = await runAction({ 'trusted-authors': 'keywarden-app[bot]' }, pat);
    // Assess
    expect(result.outputs['issues-opened']).toBe('0');
    expect(github.requests.filter((r) => r.template === '/user')).toHaveLength(1);
    expect(result.summary).not.toContain('ignored, not opened by keywarden');
    expect(github.violations).toEqual([]);
  });
});
