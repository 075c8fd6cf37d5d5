import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INPUT_DEFAULTS, readInputs } from '../../action/inputs.js';
import { UsageError } from '../../core/errors.js';

const inputsOf = (values: Record<string, string>) => (name: string) => values[name] ?? '';

describe('readInputs', () => {
  it('applies the defaults of action.yml when the runner sets nothing', () => {
    // Prepare
    const actionYml = parse(readFileSync('action.yml', 'utf8')) as {
      inputs: Record<string, { default?: string }>;
    };
    // Act
    const inputs = readInputs(inputsOf({}));
    // Assess
    for (const [name, value] of Object.entries(INPUT_DEFAULTS)) {
      expect(actionYml.inputs[name]?.default, name).toBe(value);
    }
    expect(inputs).toMatchObject({
      source: 'credential-report',
      createIssues: 'auto',
      issueLabels: ['iam-key-rotation'],
      failOn: 'violation',
      maskKeyIds: true,
      maxIssueWrites: 30,
      asOf: undefined,
      maxKeyAgeDays: undefined,
    });
  });

  it('describes every input and output of action.yml', () => {
    const actionYml = parse(readFileSync('action.yml', 'utf8')) as {
      inputs: Record<string, { description?: string }>;
      outputs: Record<string, { description?: string }>;
      runs: { using: string; main: string };
    };
    for (const [name, spec] of [...Object.entries(actionYml.inputs), ...Object.entries(actionYml.outputs)]) {
      expect(spec.description?.length ?? 0, name).toBeGreaterThan(10);
    }
    expect(actionYml.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  it('reads labels separated by commas or lines', () => {
    const inputs = readInputs(inputsOf({ 'issue-labels': 'security, iam-key-rotation\ncompliance' }));
    expect(inputs.issueLabels).toEqual(['security', 'iam-key-rotation', 'compliance']);
  });

  it.each([
    ['fail-on', 'sometimes', 'input fail-on: "sometimes" is not one of violation, warning, never'],
    ['create-issues', 'yes', 'input create-issues: "yes" is not one of auto, true, false'],
    ['max-key-age-days', '0', 'input max-key-age-days: "0" is not a whole number from 1 to 3650'],
    ['max-issue-writes', '-1', 'input max-issue-writes: "-1" is not a whole number from 0 to 1000'],
    ['mask-key-ids', 'no', 'input mask-key-ids: "no" is not one of true, false'],
    ['source', 'iam', 'input source: "iam" is not one of credential-report, api'],
    ['issue-labels', ' , ', 'input issue-labels: name at least one label'],
  ])('throws a usage error naming %s when it is %j', (name, value, message) => {
    expect(() => readInputs(inputsOf({ [name]: value }))).toThrow(new UsageError(message));
  });

  it('reads iac-paths separated by commas or lines, and audit', () => {
    const inputs = readInputs(
      inputsOf({ 'iac-paths': 'infra/tfplan.json, cfn/*.yaml\ncdk.out\n', audit: 'false' }),
    );
    expect(inputs).toMatchObject({ iacPaths: ['infra/tfplan.json', 'cfn/*.yaml', 'cdk.out'], audit: false });
    expect(readInputs(inputsOf({}))).toMatchObject({ iacPaths: [], audit: true });
  });

  it('refuses audit: false without iac-paths, and an audit that is not true or false', () => {
    expect(() => readInputs(inputsOf({ audit: 'false' }))).toThrow(
      new UsageError('input audit is false and input iac-paths is empty: there is nothing to do'),
    );
    expect(() => readInputs(inputsOf({ audit: 'no' }))).toThrow(
      new UsageError('input audit: "no" is not one of true, false'),
    );
  });

  it('throws a usage error for an as-of that is not a date', () => {
    expect(() => readInputs(inputsOf({ 'as-of': 'yesterday' }))).toThrow(/input as-of: "yesterday"/);
  });
});

describe('readInputs, many accounts and trusted authors', () => {
  const inputs = (values: Record<string, string>) => readInputs((name) => values[name] ?? '');

  it('reads accounts with role-name, and the trusted authors as logins', () => {
    expect(
      inputs({
        accounts: 'organization',
        'role-name': 'keywarden-audit-member',
        'trusted-authors': 'keywarden-app[bot], @security-bot',
      }),
    ).toMatchObject({
      accounts: 'organization',
      roleName: 'keywarden-audit-member',
      trustedAuthors: ['keywarden-app[bot]', 'security-bot'],
    });
  });

  it('refuses accounts without role-name, and a trusted author that is not a login', () => {
    expect(() => inputs({ accounts: 'organization' })).toThrow('input accounts needs input role-name');
    expect(() => inputs({ 'trusted-authors': 'evil<script>' })).toThrow(
      'input trusted-authors: "evil<script>" is not a GitHub login',
    );
  });
});
