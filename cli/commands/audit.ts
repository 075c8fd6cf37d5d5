import { access, constants, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { runAudit } from '../../core/audit.js';
import { createIamClient } from '../../core/aws.js';
import { loadConfig } from '../../core/config.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { FAIL_ON, type FailOn, failsAt } from '../../core/evaluate.js';
import { renderJson } from '../../core/report/json.js';
import { renderMarkdown } from '../../core/report/markdown.js';
import { renderTable } from '../../core/report/table.js';
import { parseInstant } from '../../core/time.js';
import type { SourceName } from '../../core/types.js';
import { type AwsFlags, addAwsOptions, awsOptions } from '../aws-options.js';
import { type Io, wantsColour } from '../io.js';
import { wholeNumber } from '../options.js';

interface AuditOptions extends AwsFlags {
  source: SourceName;
  credentialReport?: string;
  config?: string;
  asOf?: string;
  maxAgeDays?: number;
  warnDays?: number;
  format: 'table' | 'json' | 'markdown';
  output?: string;
  failOn: FailOn;
}

export function registerAudit(program: Command, io: Io, setExitCode: (code: number) => void): void {
  const command = program
    .command('audit')
    .description('Audit the age of every IAM user access key against the rotation policy.')
    .addOption(
      new Option('--source <source>', 'where key data comes from')
        .choices(['credential-report', 'api'])
        .default('credential-report'),
    )
    .option(
      '--credential-report <file>',
      'audit a saved credential report (CSV, or the JSON of aws iam get-credential-report) offline',
    )
    .option('--config <file>', 'keywarden.yml (default: ./keywarden.yml if present)')
    .option(
      '--as-of <iso>',
      'evaluate as of this instant instead of now (2026-11-28 or 2026-11-28T09:00:00Z)',
    )
    .option('--max-age-days <n>', 'override maxKeyAgeDays', wholeNumber(1, 3650))
    .option('--warn-days <n>', 'override warnDays', wholeNumber(0, 3650))
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['table', 'json', 'markdown'])
        .default('table'),
    )
    .option('--output <file>', 'write the report to a file instead of stdout')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when findings reach this severity')
        .choices(FAIL_ON)
        .default('violation'),
    );
  addAwsOptions(command).action(async (options: AuditOptions) => setExitCode(await audit(options, io)));
}

async function audit(options: AuditOptions, io: Io): Promise<number> {
  const asOf = options.asOf ? parseInstant(options.asOf) : io.clock();
  const { config } = await loadConfig({
    file: options.config,
    asOf,
    cwd: io.cwd,
    overrides: { maxKeyAgeDays: options.maxAgeDays, warnDays: options.warnDays },
  });
  const output = options.output ? resolve(io.cwd, options.output) : undefined;
  if (output) await assertWritable(output);
  const showProgress = options.source === 'api' && !options.credentialReport && Boolean(io.stderr.isTTY);
  let shownPercent = -1;
  const report = await runAudit({
    config,
    asOf,
    source: options.source,
    credentialReportFile: options.credentialReport,
    ...(options.credentialReport ? {} : { client: createIamClient(awsOptions(options, io)) }),
    cwd: io.cwd,
    onProgress: showProgress
      ? (done, total) => {
          const percent = Math.floor((done * 100) / total);
          if (percent === shownPercent) return;
          shownPercent = percent;
          io.stderr.write(`\rkeywarden: read ${done}/${total} users (${percent}%)`);
        }
      : undefined,
  });
  if (showProgress) io.stderr.write('\r\u001b[K');

  const text =
    options.format === 'json'
      ? renderJson(report)
      : options.format === 'markdown'
        ? renderMarkdown(report)
        : renderTable(report, { colour: !options.output && wantsColour(io.stdout, io.env) });
  if (output) {
    await writeFile(output, text);
    io.stderr.write(`keywarden: report written to ${options.output}\n`);
  } else {
    io.stdout.write(text);
  }
  for (const note of report.notes) io.stderr.write(`keywarden: note: ${note}\n`);
  if (report.gaps.length > 0) {
    io.stderr.write(
      `keywarden: audit incomplete: ${report.gaps.length} part${report.gaps.length > 1 ? 's' : ''} of the account could not be read (see the report's gaps)\n`,
    );
    return ExitCode.incomplete;
  }
  return failsAt(report.summary, options.failOn) ? ExitCode.findings : ExitCode.ok;
}

/** Refuses an --output that cannot be written before the audit runs, so a long live audit is not wasted. */
async function assertWritable(file: string): Promise<void> {
  const isDirectory = await stat(file).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (isDirectory) throw new UsageError(`--output ${file}: is a directory`);
  try {
    await access(dirname(file), constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `--output ${file}: cannot write there (${code === 'ENOENT' ? 'no such directory' : (code ?? 'error')})`,
      { cause: err },
    );
  }
}
