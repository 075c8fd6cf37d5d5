import { access, constants, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { type AuditReport, auditOutcome } from '../../core/audit/report.js';
import { runAudit } from '../../core/audit/run.js';
import { ExitCode, errorCode, UsageError } from '../../core/errors.js';
import type { SourceName } from '../../core/inventory/records.js';
import { FAIL_ON, type FailOn } from '../../core/policy/evaluate.js';
import { loadConfig } from '../../core/policy/load.js';
import { MAX_AGE_IMPLIES, SETTING_RANGES } from '../../core/policy/settings.js';
import { productArn, renderAsff, toAsff } from '../../core/report/asff.js';
import { renderJson } from '../../core/report/json.js';
import { renderMarkdown } from '../../core/report/markdown.js';
import { renderTable } from '../../core/report/table.js';
import { parseInstant } from '../../core/time.js';
import {
  type AccountsFlags,
  type AccountsSelection,
  accountsSelection,
  addAccountsOptions,
} from '../accounts-options.js';
import { type AwsFlags, addAwsOptions, awsOptions } from '../aws-options.js';
import { type Io, wantsColour, writeOutput, writesToStdout } from '../io.js';
import { configOption, formatOption, outputOption, wholeNumber } from '../options.js';

interface AuditOptions extends AwsFlags, AccountsFlags {
  source: SourceName;
  credentialReport?: string;
  config?: string;
  asOf?: string;
  maxAgeDays?: number;
  warnDays?: number;
  format: 'table' | 'json' | 'markdown' | 'asff';
  output?: string;
  failOn: FailOn;
  securityHub?: boolean;
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
      'audit a saved credential report (CSV, or the JSON of aws iam get-credential-report) offline; - reads standard input',
    )
    .addOption(configOption())
    .option(
      '--as-of <iso>',
      'evaluate as of this instant instead of now (2026-11-28 or 2026-11-28T09:00:00Z)',
    )
    .option(
      '--max-age-days <n>',
      `override maxKeyAgeDays; ${MAX_AGE_IMPLIES}`,
      wholeNumber(SETTING_RANGES.maxKeyAgeDays),
    )
    .option('--warn-days <n>', 'override warnDays', wholeNumber(SETTING_RANGES.warnDays))
    .addOption(formatOption(['table', 'json', 'markdown', 'asff']))
    .addOption(outputOption('the report'))
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when findings reach this severity')
        .choices(FAIL_ON)
        .default('violation'),
    )
    .option(
      '--security-hub',
      'import the findings into AWS Security Hub (BatchImportFindings) and archive those of keys that no longer exist',
    );
  addAwsOptions(
    addAccountsOptions(command),
    io,
    // A saved report, no ASFF and no import: nothing of this run calls AWS or needs a region.
    (options) =>
      Boolean(options.credentialReport) &&
      options.format !== 'asff' &&
      !options.securityHub &&
      !options.accounts,
  ).action(async (options: AuditOptions) => setExitCode(await audit(options, io)));
}

async function audit(options: AuditOptions, io: Io): Promise<number> {
  const asOf = options.asOf ? parseInstant(options.asOf) : io.clock();
  const { config } = await loadConfig({
    file: options.config,
    asOf,
    cwd: io.cwd,
    overrides: { maxKeyAgeDays: options.maxAgeDays, warnDays: options.warnDays },
  });
  const toStdout = writesToStdout(options.output);
  if (!writesToStdout(options.output)) await assertWritable(resolve(io.cwd, options.output));
  // ASFF and the import need the region (part of every finding's ProductArn): asked of the SDK once, before a
  // long live audit, so that a missing region is told at once.
  // Loaded only when asked for, so that other audits do not load the Security Hub client.
  const securityHub =
    options.format === 'asff' || options.securityHub
      ? await import('../../core/report/security-hub.js')
      : null;
  const aws = awsOptions(options, io);
  const hub = securityHub?.createSecurityHubClient(aws) ?? null;
  const region = securityHub ? await securityHub.securityHubRegion(aws) : '';
  const selection = await accountsSelection(options, io);
  const report = selection
    ? await auditAccounts(selection, options, config, asOf, io)
    : await auditOneAccount(options, io, config, asOf);

  const text =
    options.format === 'json'
      ? renderJson(report)
      : options.format === 'markdown'
        ? renderMarkdown(report)
        : options.format === 'asff'
          ? renderAsff(report, { region })
          : renderTable(report, { colour: toStdout && wantsColour(io.stdout, io.env) });
  await writeOutput(io, options.output, text);
  if (!toStdout) io.stderr.write(`keywarden: report written to ${options.output}\n`);
  for (const note of report.notes) io.stderr.write(`keywarden: note: ${note}\n`);
  const refusedFindings =
    securityHub && hub && options.securityHub
      ? await importFindings(securityHub, hub, report, region, io)
      : 0;
  const outcome = auditOutcome({ ...report, refusedFindings }, options.failOn, {
    detail: "see the report's gaps",
  });
  // The report itself shows the findings; only an incomplete audit needs a line of its own on stderr.
  if (outcome.exitCode === ExitCode.incomplete) io.stderr.write(`keywarden: ${outcome.message}\n`);
  return outcome.exitCode;
}

type LoadedConfig = Awaited<ReturnType<typeof loadConfig>>['config'];

async function auditOneAccount(
  options: AuditOptions,
  io: Io,
  config: LoadedConfig,
  asOf: Date,
): Promise<AuditReport> {
  const showProgress = options.source === 'api' && !options.credentialReport && Boolean(io.stderr.isTTY);
  let shownPercent = -1;
  const report = await runAudit({
    config,
    asOf,
    source: options.source,
    credentialReportFile: options.credentialReport,
    aws: awsOptions(options, io),
    cwd: io.cwd,
    stdin: io.stdin,
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
  return report;
}

/** `--accounts`: every account through STS AssumeRole, one merged report. */
async function auditAccounts(
  selection: AccountsSelection,
  options: AuditOptions,
  config: LoadedConfig,
  asOf: Date,
  io: Io,
): Promise<AuditReport> {
  // Loaded only for a many-accounts audit: it brings STS and Organizations clients.
  const { runAccountsAudit, sessionNameFor } = await import('../../core/accounts/audit.js');
  return runAccountsAudit({
    ...selection,
    sessionName: sessionNameFor(selection.run),
    config,
    asOf,
    source: options.source,
    aws: awsOptions(options, io),
  });
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
    const code = errorCode(err);
    throw new UsageError(
      `--output ${file}: cannot write there (${code === 'ENOENT' ? 'no such directory' : (code ?? 'error')})`,
      { cause: err },
    );
  }
}

type SecurityHubModule = typeof import('../../core/report/security-hub.js');

/** `--security-hub`: imports, archives only after a complete audit, and names each refused finding. */
async function importFindings(
  securityHub: SecurityHubModule,
  hub: ReturnType<SecurityHubModule['createSecurityHubClient']>,
  report: AuditReport,
  region: string,
  io: Io,
): Promise<number> {
  const complete = report.gaps.length === 0;
  const sync = await securityHub.syncSecurityHub(hub, {
    findings: toAsff(report, { region }),
    archiveAccounts: complete ? [report.account] : [],
    productArn: productArn(region, report.account),
    now: report.asOf,
  });
  for (const refused of sync.refused) {
    io.stderr.write(`keywarden: Security Hub refused finding ${refused.id}: ${refused.reason}\n`);
  }
  io.stderr.write(
    `keywarden: Security Hub (${region}): ${sync.imported} finding${sync.imported === 1 ? '' : 's'} imported, ${sync.archived} archived${complete ? '' : ' (none archived: the audit is incomplete)'}, ${sync.calls} API call${sync.calls === 1 ? '' : 's'}\n`,
  );
  return sync.refused.length;
}
