import { glob, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { type CheckReport, checkExitCode } from '../core/iac/check.js';
import { renderCheckMarkdown } from '../core/iac/render.js';
import { runCheck } from '../core/iac/run.js';
import { renderCheckSarif } from '../core/iac/sarif.js';
import type { Config } from '../core/policy/schema.js';
import type { RunnerContext } from './context.js';
import type { ActionCore, ActionEnvironment } from './main.js';

/** Mandatory findings that also become annotations on the changed files (the rest are in the summary and SARIF). */
const ANNOTATED_IAC_FINDINGS = 10;

/**
 * Every path the globs match, relative to the workspace, in the order given. A glob that matches nothing is
 * refused: a renamed plan would otherwise pass the check unseen.
 */
export async function expandIacPaths(patterns: readonly string[], workspace: string): Promise<string[]> {
  const paths: string[] = [];
  for (const pattern of patterns) {
    const matched: string[] = [];
    for await (const path of glob(pattern, { cwd: workspace })) matched.push(path);
    if (matched.length === 0) {
      throw new UsageError(`input iac-paths: "${pattern}" matches nothing in the workspace`);
    }
    paths.push(...matched.sort());
  }
  return paths;
}

/**
 * `keywarden check` in a workflow: the plans, templates and CDK assemblies that input iac-paths names, judged
 * like the CLI judges them; SARIF written for github/codeql-action/upload-sarif (output sarif-file), the
 * findings in the job summary. Uploads nothing itself. Returns why the check fails, or null.
 */
export async function checkInfrastructure(
  patterns: readonly string[],
  options: { context: RunnerContext; config: Config; asOf: Date; environment: ActionEnvironment },
): Promise<string | null> {
  const { context, config, asOf, environment } = options;
  const paths = await expandIacPaths(patterns, context.workspace);
  // Paths relative to the workspace, the checkout's root: SARIF locations are then what code scanning expects.
  const report = await runCheck(paths, { cwd: context.workspace, config, asOf });
  const directory = join(context.runnerTemp, 'keywarden');
  await mkdir(directory, { recursive: true });
  const sarifFile = join(directory, 'check.sarif');
  await writeFile(sarifFile, renderCheckSarif(report));
  environment.core.setOutput('sarif-file', sarifFile);
  annotate(environment.core, report);
  await environment.writeSummary(renderCheckMarkdown(report));
  const { mandatory } = report.summary;
  return checkExitCode(report) === 0
    ? null
    : `keywarden check: ${mandatory} mandatory violation${mandatory === 1 ? '' : 's'} in infrastructure code (see the job summary)`;
}

function annotate(core: ActionCore, report: CheckReport): void {
  const mandatory = report.findings.filter((finding) => finding.level === 'mandatory');
  for (const finding of mandatory.slice(0, ANNOTATED_IAC_FINDINGS)) {
    core.error(finding.message, {
      title: `keywarden: ${finding.policy} (${finding.address})`,
      file: finding.file,
      ...(finding.line !== undefined && { startLine: finding.line }),
    });
  }
}
