/**
 * Real Terraform for keywarden check's tests: plans a configuration offline (dummy credentials, no account
 * lookup, no metadata API, no refresh: no AWS call) with the hashicorp/aws provider from a local filesystem
 * mirror, through a CLI config named by TF_CLI_CONFIG_FILE. The mirror is the folder holding
 * `registry.terraform.io/`: KEYWARDEN_TF_MIRROR (.ci/run sets it), else found with a shallow search.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface TerraformTool {
  version: string;
  mirror: string;
}

let found: TerraformTool | null | undefined;

/** Terraform and the provider mirror, or null (then the tests read the committed plans only). */
export function terraformTool(): TerraformTool | null {
  if (found !== undefined) return found;
  const version = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8' });
  const mirror = process.env['KEYWARDEN_TF_MIRROR'] || findMirror();
  found =
    version.status === 0 && mirror
      ? { version: (JSON.parse(version.stdout) as { terraform_version: string }).terraform_version, mirror }
      : null;
  return found;
}

function findMirror(): string | undefined {
  const search = spawnSync(
    'find',
    ['/', '-maxdepth', '4', '-type', 'd', '-name', 'registry.terraform.io', '-not', '-path', '/proc/*'],
    { encoding: 'utf8', timeout: 30_000 },
  );
  const hit = search.stdout?.split('\n').find((line) => line.trim() !== '');
  return hit ? dirname(hit) : undefined;
}

/** `terraform show -json` of a plan of the configuration in `directory` (copied: nothing is written there). */
export function planJson(directory: string, tool: TerraformTool): string {
  const work = mkdtempSync(join(tmpdir(), 'keywarden-tf-'));
  try {
    cpSync(directory, work, { recursive: true, filter: (source) => !source.endsWith('.json') });
    const cliConfig = join(work, 'cli.tfrc');
    writeFileSync(
      cliConfig,
      `provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(tool.mirror)}
    include = ["registry.terraform.io/*/*"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
`,
    );
    const env = {
      ...process.env,
      TF_CLI_CONFIG_FILE: cliConfig,
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const run = (args: string[]) => execFileSync('terraform', args, { cwd: work, env, encoding: 'utf8' });
    run(['init', '-input=false', '-no-color']);
    run(['plan', '-input=false', '-refresh=false', '-no-color', '-out=plan.bin']);
    return run(['show', '-json', 'plan.bin']);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The parts of a plan that say what it will do (not when or by which Terraform it was made). */
export function planSubstance(text: string): unknown {
  const { resource_changes, configuration } = JSON.parse(text) as Record<string, unknown>;
  return { resource_changes, configuration };
}

export const readText = (path: string) => readFileSync(path, 'utf8');
