import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readInputs } from '../../action/inputs.js';

interface Step {
  uses?: string;
  with?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency?: { group: string };
  jobs: Record<string, { steps: Step[] }>;
}

const actionInputs = Object.keys(
  (parse(readFileSync('action.yml', 'utf8')) as { inputs: Record<string, unknown> }).inputs,
);

/** The YAML blocks of the README's action section: its usage examples. */
function readmeWorkflows(): [string, string][] {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(
    readme.indexOf('<!-- section:action -->'),
    readme.indexOf('<!-- /section:action -->'),
  );
  return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((match, index): [string, string] => [`README.md yaml block ${index + 1}`, match[1] ?? ''])
    .filter(([, text]) => /^jobs:/m.test(text));
}

const workflows: [string, string][] = [
  ...readdirSync('examples/workflows').map((file): [string, string] => [
    `examples/workflows/${file}`,
    readFileSync(`examples/workflows/${file}`, 'utf8'),
  ]),
  ...readmeWorkflows(),
];

describe.each(workflows)('%s', (_name, text) => {
  const workflow = parse(text) as Workflow;
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const keywarden = steps.filter((step) => step.uses?.includes('/keywarden@'));

  it('runs keywarden with inputs that action.yml declares and accepts', () => {
    expect(keywarden.length).toBeGreaterThan(0);
    for (const step of keywarden) {
      const given = step.with ?? {};
      for (const name of Object.keys(given)) expect(actionInputs, name).toContain(name);
      // Expressions are the runner's business: stand in a plain value for them.
      const plain = Object.fromEntries(
        Object.entries(given).map(([name, value]) => [name, String(value).replace(/\$\{\{[^}]*\}\}/g, 'x')]),
      );
      expect(() => readInputs((name) => plain[name] ?? '')).not.toThrow();
    }
  });

  it('gets AWS credentials through OIDC, not stored keys', () => {
    const aws = steps.find((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    expect(aws?.with?.['role-to-assume']).toMatch(/^arn:aws:iam::/);
    expect(aws?.with?.['aws-access-key-id']).toBeUndefined();
    expect(workflow.permissions['id-token']).toBe('write');
  });

  it('asks for no permission beyond reading the code, the OIDC token and issues', () => {
    expect(workflow.permissions).toEqual({ contents: 'read', 'id-token': 'write', issues: 'write' });
  });

  it('runs on a schedule and by hand, in a concurrency group', () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['schedule', 'workflow_dispatch']));
    expect(workflow.concurrency?.group).toBeTruthy();
  });
});
