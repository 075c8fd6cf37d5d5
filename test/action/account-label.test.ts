import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../../action/issues/fingerprint.js';
import { FakeGitHub } from '../support/fake-github.js';
import { seedIam } from '../support/iam-seed.js';
import { type Moto, motoAvailable, startMoto } from '../support/moto.js';
import { OpenApiChecker } from '../support/openapi.js';
import { runAction } from '../support/runner.js';

// Issues filed before the account label existed (or whose label a person removed) gain it on the next run.
// The bundled action runs as a runner runs it (node dist/index.js) against moto and the fake GitHub.

const asOf = new Date('2026-06-01T12:00:00Z');
const ACCOUNT = '123456789012';
const TOKEN = 'ghs_accountLabelTestToken';
const LABEL = 'iam-key-rotation';
const ACCOUNT_LABEL = `aws:${ACCOUNT}`;
const ADD_LABELS = 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels';
const UPDATE = 'PATCH /repos/{owner}/{repo}/issues/{issue_number}';

describe.skipIf(!motoAvailable())('existing issues gain the account label', () => {
  let moto: Moto;
  let github: FakeGitHub;
  let checker: OpenApiChecker;

  beforeAll(async () => {
    moto = await startMoto();
    checker = new OpenApiChecker();
  });
  afterAll(async () => {
    await github?.stop();
    await moto?.stop();
  });
  beforeEach(async () => {
    await github?.stop();
    github = new FakeGitHub('acme', 'infra', TOKEN, checker);
    await github.start();
    await moto.reset();
    await seedIam(moto, asOf, [
      { name: 'alice', keys: [{ ageDays: 200, lastUsedDaysAgo: 1 }] },
      { name: 'bob', keys: [{ ageDays: 120, lastUsedDaysAgo: 1 }] },
    ]);
  });

  const run = () =>
    runAction({
      event: 'schedule',
      apiUrl: github.baseUrl,
      repository: 'acme/infra',
      token: TOKEN,
      awsEnv: moto.env,
      inputs: { source: 'api', 'as-of': asOf.toISOString(), 'fail-on': 'never' },
    });
  const issueOf = (user: string) =>
    [...github.issues.values()].find((i) => i.body?.includes(fingerprint(ACCOUNT, user)));
  const writes = () => github.writes().map((r) => `${r.method} ${r.template}`);
  /** An issue an older keywarden filed: its label and marker, no account label, and a label a person added. */
  const seedOld = (
    user: string,
    labels: string[],
    extra: Partial<Parameters<FakeGitHub['seedIssue']>[0]> = {},
  ) =>
    github.seedIssue({
      title: `Rotate the IAM access key of ${user} (account ${ACCOUNT})`,
      body: `<!-- keywarden:fingerprint=${fingerprint(ACCOUNT, user)} -->\nfiled by an older keywarden`,
      labels,
      author: 'github-actions[bot]',
      ...extra,
    });

  it('labels an unchanged issue with one write, and then makes none', async () => {
    // Prepare: both issues filed and current; alice's lost its account label and gained a person's label.
    await run();
    const alice = issueOf('alice');
    if (!alice) throw new Error('the first run filed no issue for alice');
    alice.labels = [LABEL, 'team:payments'];
    const { title, body } = alice;
    github.resetLog();
    // Act
    const second = await run();
    github.resetLog();
    const third = await run();
    // Assess
    expect(alice.labels).toEqual([LABEL, 'team:payments', ACCOUNT_LABEL]);
    expect(alice).toMatchObject({ title, body, state: 'open' });
    expect(issueOf('bob')?.labels).toEqual([LABEL, ACCOUNT_LABEL]);
    expect(second.outputs).toMatchObject({ 'issues-updated': '0', 'issues-deferred': '0' });
    expect(second.summary).toContain(`- labelled: #${alice.number}`);
    expect(second.summary).toContain('1 write to GitHub');
    expect(writes()).toEqual([]);
    expect(third.summary).toContain('- labelled: none');
    expect(github.violations).toEqual([]);
  });

  it('labels an issue it updates, keeping the labels a person added', async () => {
    // Prepare: alice's issue lacks the account label; bob's has it already and costs no extra write.
    const alice = seedOld('alice', [LABEL, 'needs-owner']);
    const bob = seedOld('bob', [LABEL, ACCOUNT_LABEL, 'team:data']);
    // Act
    const result = await run();
    // Assess
    expect(result.outputs).toMatchObject({ 'issues-updated': '2', 'issues-opened': '0' });
    expect(github.issues.get(alice.number)?.labels).toEqual([LABEL, 'needs-owner', ACCOUNT_LABEL]);
    expect(github.issues.get(alice.number)?.body).toContain('21 CFR 11.300(b)');
    expect(github.issues.get(bob.number)?.labels).toEqual([LABEL, ACCOUNT_LABEL, 'team:data']);
    expect(writes().sort()).toEqual([UPDATE, UPDATE, ADD_LABELS]);
    expect(github.violations).toEqual([]);
  });

  it('labels a closed issue it reopens, keeping the labels a person added', async () => {
    // Prepare
    const alice = seedOld('alice', [LABEL, 'audit-2025'], { state: 'closed', stateReason: 'completed' });
    seedOld('bob', [LABEL, ACCOUNT_LABEL]);
    // Act
    const result = await run();
    // Assess
    expect(result.outputs).toMatchObject({ 'issues-reopened': '1', 'issues-opened': '0' });
    expect(github.issues.get(alice.number)).toMatchObject({ state: 'open', stateReason: 'reopened' });
    expect(github.issues.get(alice.number)?.labels).toEqual([LABEL, 'audit-2025', ACCOUNT_LABEL]);
    expect(writes().filter((w) => w === ADD_LABELS)).toHaveLength(1);
    expect(github.violations).toEqual([]);
  });
});
