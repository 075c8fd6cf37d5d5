import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FINDINGS_MEANING } from '../../core/exit-codes.js';
import { CHECK_POLICIES } from '../../core/iac/check.js';
import { runCli } from '../support/capture-io.js';
import { planJson, terraformTool } from '../support/terraform.js';

const guide = readFileSync('docs/check.md', 'utf8');
const fixtures = fileURLToPath(new URL('../core/iac/fixtures', import.meta.url));
const now = new Date('2026-11-28T12:00:00Z');
const tool = terraformTool();

/** Each ```console block: the command after `$ `, what it prints, and the exit code `echo $?` shows. */
const consoleExamples = [...guide.matchAll(/```console\n\$ (.+)\n([\s\S]*?)\$ echo \$\?\n(\d+)\n```/g)].map(
  ([, command, output, code]) => ({ command: command ?? '', output: output ?? '', code: Number(code) }),
);

/** A copy of the fixtures with a package.json beside them (the guide's example of a file of no known kind). */
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-guide-'));
  cpSync(fixtures, dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"name": "app", "version": "1.0.0"}\n');
  return dir;
}

const argvOf = (command: string) => {
  expect(command).toMatch(/^keywarden /);
  return command.split(' ').slice(1);
};

describe('docs/check.md, run as written', () => {
  it('has an example for each input and for a refusal', () => {
    expect(consoleExamples.map((example) => example.command)).toEqual([
      'keywarden check terraform/plan.json --as-of 2026-11-28',
      'keywarden check cloudformation/keys.yaml --as-of 2026-11-28',
      'keywarden check cdk.out --as-of 2026-11-28',
      'keywarden check package.json',
    ]);
  });

  it.each(consoleExamples)(
    'prints what it shows for `$command`, and exits as it says',
    async ({ command, output, code }) => {
      const run = await runCli(argvOf(command), { cwd: workspace(), now, env: {} });

      expect(run.stdout + run.stderr).toBe(output);
      expect(run.code).toBe(code);
    },
  );

  it('names the commands that make each input, and the assembly directory to check', () => {
    expect(guide).toContain(
      'terraform plan -out=tfplan\nterraform show -json tfplan > tfplan.json\nkeywarden check tfplan.json\n',
    );
    expect(guide).toContain('npx cdk synth\nkeywarden check cdk.out\n');
  });

  it('lists every rule check applies, with its level and severity', () => {
    for (const policy of CHECK_POLICIES) {
      expect(guide).toContain(`| \`${policy.name}\` | ${policy.enforcementLevel}, ${policy.severity} |`);
    }
  });

  it('gives the exit codes --help gives', () => {
    expect(guide).toContain('| 1 | a mandatory violation |');
    expect(FINDINGS_MEANING['check']).toMatch(/^a mandatory violation/);
    expect(guide).toMatch(/\| 2 \| usage, config or input error: one line on stderr/);
  });

  it('shows the example workflow exactly as examples/workflows/keywarden-iac.yml (which the workflow tests check)', () => {
    const shown = /```yaml\n([\s\S]*?)```/.exec(guide)?.[1];

    expect(shown).toBe(readFileSync('examples/workflows/keywarden-iac.yml', 'utf8'));
  });

  it('describes the Action inputs and output as action.yml declares them', () => {
    const action = parse(readFileSync('action.yml', 'utf8')) as {
      inputs: Record<string, { default?: string }>;
      outputs: Record<string, unknown>;
    };

    expect(action.inputs['iac-paths']?.default).toBe('');
    expect(guide).toContain('| `iac-paths` (input) |');
    expect(guide).toContain('Empty (default): no check.');
    expect(action.inputs['audit']?.default).toBe('true');
    expect(guide).toContain('| `audit` (input) | `true` (default)');
    expect(action.outputs).toHaveProperty('sarif-file');
    expect(guide).toContain('| `sarif-file` (output) |');
  });
});

describe.skipIf(!tool)('docs/check.md’s Terraform commands, with real Terraform', () => {
  it('plan, show -json and check print what the guide shows for the fixture configuration', async () => {
    // Prepare: terraform plan -out=tfplan; terraform show -json tfplan > tfplan.json
    const dir = workspace();
    writeFileSync(join(dir, 'tfplan.json'), planJson(join(fixtures, 'terraform'), tool!));
    const [documented] = consoleExamples;

    // Act: keywarden check tfplan.json
    const run = await runCli(['check', 'tfplan.json', '--as-of', '2026-11-28'], { cwd: dir, now, env: {} });

    // Assess
    expect(run.stdout).toBe(documented?.output.replaceAll('terraform/plan.json', 'tfplan.json'));
    expect(run.code).toBe(documented?.code);
  }, 240_000);
});
