import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/capture-io.js';

const fixtures = fileURLToPath(new URL('../../core/iac/fixtures', import.meta.url));
const exampleConfig = fileURLToPath(new URL('../../../examples/keywarden.yml', import.meta.url));
const now = new Date('2026-11-28T09:00:00Z');
const check = (args: string[], cwd = fixtures) =>
  runCli(['check', ...args, '--config', exampleConfig], { cwd, now, env: {} });

const scratch = () => mkdtempSync(join(tmpdir(), 'keywarden-check-'));

describe('keywarden check', () => {
  it('lists each finding with its file, line and resource, and exits 1 on a mandatory violation', async () => {
    // Act
    const run = await check(['cloudformation/keys.yaml', 'terraform/plan.json', 'cdk.out']);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('mandatory  reject-iam-access-keys  cloudformation/keys.yaml:48  AppKey\n');
    expect(run.stdout).toContain(
      'mandatory  reject-iam-access-keys  terraform/plan.json  aws_iam_access_key.app\n',
    );
    expect(run.stdout).toContain(
      'mandatory  reject-iam-access-keys  cdk.out/KeywardenAppStack.template.json:18  KeywardenAppStack/DeployerKey5E5A1D9C\n',
    );
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(
      '4 inputs · 24 resources · 6 mandatory violations, 4 advisories · as of 2026-11-28T09:00:00.000Z',
    );
  });

  it('exits 0 when nothing is found', async () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'template.yaml'),
      'Resources:\n  Deployer:\n    Type: AWS::IAM::User\n    Properties:\n      Tags:\n        - Key: keywarden:rotation\n          Value: enabled\n',
    );

    const run = await check(['template.yaml'], dir);

    expect(run).toEqual({
      code: 0,
      stdout: '1 input · 1 resource · no findings · as of 2026-11-28T09:00:00.000Z\n',
      stderr: '',
    });
  });

  it('judges exemptions as of --as-of', async () => {
    const run = await check(['terraform/plan.json', '--as-of', '2027-04-01', '--format', 'json']);

    const report = JSON.parse(run.stdout) as { asOf: string; findings: Array<{ address: string }> };
    expect(report.asOf).toBe('2027-04-01T00:00:00.000Z');
    expect(report.findings.map((f) => f.address)).toContain('aws_iam_access_key.appliance[0]');
  });

  it('writes SARIF to --output and says where on stderr', async () => {
    const dir = scratch();

    const run = await check([
      'cloudformation/keys.yaml',
      '--format',
      'sarif',
      '--output',
      join(dir, 'check.sarif'),
    ]);

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`keywarden: report written to ${join(dir, 'check.sarif')}\n`);
    expect(JSON.parse(readFileSync(join(dir, 'check.sarif'), 'utf8'))).toMatchObject({ version: '2.1.0' });
  });

  describe('refuses bad input in one line, with exit 2 and no report', () => {
    it.each([
      [
        'a path that does not exist',
        () => ['missing.json'],
        'keywarden: missing.json: cannot be read (no such file or directory)\n',
      ],
      [
        'a JSON file that is neither a plan nor a template',
        () => {
          const dir = scratch();
          writeFileSync(join(dir, 'package.json'), '{"name": "app", "version": "1.0.0"}\n');
          return [join(dir, 'package.json')];
        },
        /^keywarden: \/.*\/package\.json: neither a Terraform plan \(terraform show -json: format_version, resource_changes\) nor a CloudFormation template \(Resources\) nor a CDK assembly manifest\n$/,
      ],
      [
        'a YAML file that is not a template',
        () => {
          const dir = scratch();
          writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: nginx\n');
          return [join(dir, 'compose.yaml')];
        },
        /compose\.yaml: neither a Terraform plan .* nor a CDK assembly manifest\n$/,
      ],
      [
        'a binary plan file',
        () => {
          const dir = scratch();
          writeFileSync(join(dir, 'tfplan'), Buffer.from('PK\u0003\u0004\u0014\u0000binary'));
          return [join(dir, 'tfplan')];
        },
        /tfplan: a binary plan file: check its JSON instead \(terraform show -json .*tfplan > plan\.json\)\n$/,
      ],
      [
        'invalid YAML',
        () => {
          const dir = scratch();
          writeFileSync(join(dir, 't.yaml'), 'Resources:\n  A: [\n');
          return [join(dir, 't.yaml')];
        },
        /t\.yaml: not valid YAML at line \d+: /,
      ],
    ])('%s', async (_, paths, message) => {
      const run = await check([...paths(), 'cloudformation/keys.yaml']);

      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.split('\n')).toHaveLength(2);
      if (typeof message === 'string') expect(run.stderr).toBe(message);
      else expect(run.stderr).toMatch(message);
    });
  });

  it('lists its exit codes in --help', async () => {
    const run = await runCli(['check', '--help'], { cwd: fixtures, now, env: {} });

    expect(run.stdout).toContain('  1  a mandatory violation (advisories alone exit 0)');
    expect(run.stdout).toContain('--format <format>');
  });
});
