import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runAction } from '../support/runner.js';
import { validateSarif } from '../support/sarif-schema.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../core/iac/fixtures/${name}`, import.meta.url), 'utf8');

const run = (inputs: Record<string, string>, workspaceFiles: Record<string, string>) =>
  runAction({
    event: 'pull_request',
    // No AWS at all: the IaC check needs none. The API URL is never called (nothing is filed or uploaded).
    awsEnv: {},
    apiUrl: 'http://127.0.0.1:9',
    repository: 'acme/infra',
    token: 'ghs_keywardenFakeToken0123456789',
    payload: {
      pull_request: {
        head: { repo: { full_name: 'acme/infra' } },
        base: { repo: { full_name: 'acme/infra' } },
      },
    },
    inputs: { 'as-of': '2026-11-28T09:00:00Z', ...inputs },
    workspaceFiles,
  });

describe('the action’s iac-paths check, as a runner runs the bundle', () => {
  it('writes SARIF for upload-sarif, puts the findings in the job summary and on the files, and fails on a mandatory violation', async () => {
    // Act
    const result = await run(
      { audit: 'false', 'iac-paths': 'infra/tfplan.json\ncloudformation/*.yaml', config: 'keywarden.yml' },
      {
        'infra/tfplan.json': fixture('terraform/plan.json'),
        'cloudformation/keys.yaml': fixture('cloudformation/keys.yaml'),
        'keywarden.yml': readFileSync('examples/keywarden.yml', 'utf8'),
      },
    );

    // Assess
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      '::error::keywarden check: 4 mandatory violations in infrastructure code (see the job summary)',
    );
    expect(result.stdout).toMatch(
      /::error title=keywarden%3A reject-iam-access-keys \(AppKey\),file=cloudformation\/keys\.yaml,line=48::AWS::IAM::AccessKey "AppKey" creates/,
    );
    expect(result.outputs['sarif-file']).toBe(`${result.runnerTemp}/keywarden/check.sarif`);
    const sarif = JSON.parse(readFileSync(result.outputs['sarif-file'] ?? '', 'utf8')) as {
      runs: Array<{
        results: Array<{ locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }>;
      }>;
    };
    expect(validateSarif(sarif)).toBe(true);
    expect(
      new Set(sarif.runs[0]?.results.map((r) => r.locations[0]?.physicalLocation.artifactLocation.uri)),
    ).toEqual(new Set(['infra/tfplan.json', 'cloudformation/keys.yaml']));
    expect(result.summary).toContain('## keywarden check');
    expect(result.summary).toContain(
      '| mandatory | `reject-iam-access-keys` | cloudformation/keys.yaml:48 | AppKey |',
    );
    expect(result.stdout).not.toContain('skipped the audit');
  });

  it('passes when nothing is found', async () => {
    const result = await run(
      { audit: 'false', 'iac-paths': 'template.json' },
      { 'template.json': '{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}' },
    );

    expect(result.exitCode).toBe(0);
    expect(result.summary).toContain('1 input · 1 resource · no findings');
  });

  it('fails in one line when a glob matches nothing', async () => {
    const result = await run({ audit: 'false', 'iac-paths': 'infra/*.plan.json' }, {});

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      '::error::keywarden: input iac-paths: "infra/*.plan.json" matches nothing in the workspace',
    );
    expect(result.outputs['sarif-file']).toBeUndefined();
  });
});
