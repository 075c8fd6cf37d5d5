import { resolve } from 'node:path';
import type { Command } from 'commander';
import { checkExitCode } from '../../core/iac/check.js';
import { renderCheckJson, renderCheckTable } from '../../core/iac/render.js';
import { runCheck } from '../../core/iac/run.js';
import { renderCheckSarif } from '../../core/iac/sarif.js';
import { loadConfig } from '../../core/policy/load.js';
import { parseInstant } from '../../core/time.js';
import { type Io, writeOutput, writesToStdout } from '../io.js';
import { configOption, formatOption, outputOption } from '../options.js';

interface CheckOptions {
  config?: string;
  format: 'table' | 'json' | 'sarif';
  output?: string;
  asOf?: string;
}

export function registerCheck(program: Command, io: Io, setExitCode: (code: number) => void): void {
  program
    .command('check')
    .description(
      "Check infrastructure code before it is applied: Terraform/OpenTofu plans (terraform show -json), CloudFormation templates (JSON, YAML) and CDK assemblies (cdk.out), with the policy pack's rules.",
    )
    .argument('<path...>', 'plan JSON, template, or cdk.out directory')
    .addOption(configOption())
    .addOption(formatOption(['table', 'json', 'sarif']))
    .addOption(outputOption('the report'))
    .option(
      '--as-of <iso>',
      'judge exemptions as of this instant instead of now (2026-11-28 or 2026-11-28T09:00:00Z)',
    )
    .action(async (paths: string[], options: CheckOptions) => setExitCode(await check(paths, options, io)));
}

async function check(paths: string[], options: CheckOptions, io: Io): Promise<number> {
  const asOf = options.asOf ? parseInstant(options.asOf) : io.clock();
  const { config } = await loadConfig({ file: options.config, asOf, cwd: io.cwd });
  const report = await runCheck(paths, { cwd: io.cwd, config, asOf });
  const text =
    options.format === 'json'
      ? renderCheckJson(report)
      : options.format === 'sarif'
        ? renderCheckSarif(report)
        : renderCheckTable(report);
  await writeOutput(io, options.output, text);
  if (!writesToStdout(options.output)) {
    io.stderr.write(`keywarden: report written to ${resolve(io.cwd, options.output)}\n`);
  }
  return checkExitCode(report);
}
