import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type * as actionsCore from '@actions/core';
import {
  error,
  getInput,
  info,
  notice,
  setFailed,
  setOutput,
  setSecret,
  summary,
  warning,
} from '@actions/core';
import { type AuditReport, auditOutcome } from '../core/audit/report.js';
import { runAudit } from '../core/audit/run.js';
import { createIamClient } from '../core/aws/clients.js';
import { describeError, IncompleteError, UsageError } from '../core/errors.js';
import { loadConfig } from '../core/policy/load.js';
import { toJsonReport } from '../core/report/json.js';
import { maskKeyId } from '../core/report/markdown.js';
import { type Clock, systemClock } from '../core/time.js';
import { isPullRequestEvent, issueFiling, type RunnerContext, readRunnerContext } from './context.js';
import { checkInfrastructure } from './iac.js';
import { type ActionInputs, readInputs } from './inputs.js';
import { applyIssuePlan, listTrackedIssues, type SyncOutcome } from './issues/apply.js';
import { splitByAuthor, trustedAuthors } from './issues/authors.js';
import { describeGitHubError } from './issues/github-errors.js';
import { planIssueSync } from './issues/plan.js';
import { desiredIssues } from './issues/render.js';
import { renderJobSummary } from './summary.js';

/** The part of @actions/core the action uses: tests pass a typed fixture. */
export type ActionCore = Pick<
  typeof actionsCore,
  'getInput' | 'setOutput' | 'setFailed' | 'setSecret' | 'notice' | 'warning' | 'error' | 'info'
>;

export interface ActionEnvironment {
  core: ActionCore;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** Resolves the SDK's credential chain without calling AWS. */
  awsCredentialsPresent: () => Promise<boolean>;
  writeSummary: (markdown: string) => Promise<void>;
}

/** Findings that also become annotations on the run (the rest are in the summary and the report). */
export const ANNOTATED_FINDINGS = 10;

export function runnerEnvironment(): ActionEnvironment {
  return {
    // Named functions, not the module: the bundle then leaves out what the action never calls (the OIDC client,
    // and the HTTP client and undici it brings), which would load before the first AWS call.
    core: { getInput, setOutput, setFailed, setSecret, notice, warning, error, info },
    env: process.env,
    clock: systemClock,
    awsCredentialsPresent: async () => {
      const client = createIamClient({ maxAttempts: 1 });
      try {
        await client.config.credentials();
        return true;
      } catch {
        return false;
      } finally {
        client.destroy();
      }
    },
    writeSummary: async (markdown) => {
      if (process.env.GITHUB_STEP_SUMMARY) await summary.addRaw(markdown, true).write();
    },
  };
}

/** The action's edge: the only place where anything thrown becomes a failed step. */
export async function run(environment: ActionEnvironment = runnerEnvironment()): Promise<void> {
  try {
    const failure = await audit(environment);
    if (failure) environment.core.setFailed(failure);
  } catch (err) {
    environment.core.setFailed(`keywarden: ${describeError(err)}`);
  }
}

/** Reads inputs, audits, reports and files issues. Returns why the check fails, or null. */
export async function audit(environment: ActionEnvironment): Promise<string | null> {
  const { core, env } = environment;
  const inputs = readInputs((name) => core.getInput(name));
  if (inputs.githubToken) core.setSecret(inputs.githubToken);
  const context = readRunnerContext(env);
  // The policy is checked first, so a pull request that breaks keywarden.yml fails even without AWS access.
  const asOf = inputs.asOf ?? environment.clock();
  const { config } = await loadConfig({
    file:
      inputs.configFile && !isAbsolute(inputs.configFile)
        ? join(context.workspace, inputs.configFile)
        : inputs.configFile,
    asOf,
    cwd: context.workspace,
    overrides: { maxKeyAgeDays: inputs.maxKeyAgeDays, warnDays: inputs.warnDays },
  });

  // The IaC check needs no AWS: it runs first, so a fork's pull request is checked too.
  const iacFailure =
    inputs.iacPaths.length > 0
      ? await checkInfrastructure(inputs.iacPaths, { context, config, asOf, environment })
      : null;
  if (!inputs.audit) return iacFailure;

  if (!(await environment.awsCredentialsPresent())) {
    if (isPullRequestEvent(context.eventName)) {
      core.notice(
        `keywarden skipped the audit: this ${context.eventName} run has no AWS credentials${context.fromFork ? ' (a pull request from a fork gets no secrets or OIDC token)' : ''}.`,
      );
      core.setOutput('skipped', 'true');
      await environment.writeSummary(
        `## keywarden: audit skipped\n\nThis ${context.eventName} run has no AWS credentials, so no key was audited.\n`,
      );
      return iacFailure;
    }
    throw new UsageError(
      'no AWS credentials: add aws-actions/configure-aws-credentials (OIDC) before this step',
    );
  }
  core.setOutput('skipped', 'false');

  // The many-accounts audit loads only when asked for: it brings the Organizations and STS clients.
  const accounts = inputs.accounts ? await import('../core/accounts/index.js') : null;
  const report =
    accounts && inputs.accounts
      ? await accounts.runAccountsAudit({
          spec: await accounts.parseAccountsSpec(inputs.accounts, [], {
            cwd: context.workspace,
            readStdin: async () => {
              throw new UsageError('input accounts: - (standard input) is not available in an action');
            },
            name: 'input accounts',
          }),
          roleName: inputs.roleName,
          sessionName: accounts.sessionNameFor(
            env.GITHUB_RUN_ID
              ? `${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`
              : String(asOf.getTime()),
          ),
          config,
          asOf,
          source: inputs.source,
        })
      : await runAudit({ config, asOf, source: inputs.source });
  const reportPath = await writeReport(report, inputs, context);
  for (const note of report.notes) core.info(`keywarden: note: ${note}`);
  annotate(core, report, inputs.maskKeyIds);

  const filing = issueFiling(inputs.createIssues, context);
  let issues: SyncOutcome | null = null;
  let issueError: string | null = null;
  if (filing.file) {
    try {
      issues = await syncIssues(report, inputs, context, environment);
    } catch (err) {
      issueError = issueFailure(err);
    }
  }
  await environment.writeSummary(
    renderJobSummary({
      report,
      maskKeyIds: inputs.maskKeyIds,
      issueFiling: filing.why,
      issues,
      issueError,
      reportPath,
    }),
  );
  setOutputs(core, report, reportPath, issues);

  const { message } = auditOutcome(report, inputs.failOn, {
    detail: 'see the job summary',
    incompleteConsequence: report.accounts ? 'no issue of those accounts was closed' : 'no issue was closed',
  });
  // Filing issues is not the audit: its failure fails the run, named as GitHub's, and the audit's own result,
  // outputs and report stand beside it.
  const auditLine = issueError
    ? `keywarden: issues not filed: ${issueError}; the audit itself ${message === null ? `completed (${auditSummary(report)})` : `ended: ${message}`}`
    : message === null
      ? null
      : `keywarden: ${message}`;
  const failures = [iacFailure, auditLine].filter(Boolean);
  return failures.length > 0 ? failures.join('; ') : null;
}

/** One line for a failed issue sync: keywarden's own wording where it has one, else the GitHub call's. */
function issueFailure(err: unknown): string {
  return err instanceof UsageError || err instanceof IncompleteError ? err.message : describeGitHubError(err);
}

function auditSummary(report: AuditReport): string {
  const { violations, warnings } = report.summary;
  return `${violations} violation${violations === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
}

async function syncIssues(
  report: AuditReport,
  inputs: ActionInputs,
  context: RunnerContext,
  environment: ActionEnvironment,
): Promise<SyncOutcome> {
  if (!inputs.githubToken) throw new UsageError('input github-token is empty: issues cannot be filed');
  // Octokit loads only for a run that files issues: a pull request's audit starts without it.
  const [{ createIssueClient }, { completeAccountsOf }] = await Promise.all([
    import('./issues/github.js'),
    import('../core/accounts/index.js'),
  ]);
  const client = createIssueClient({
    token: inputs.githubToken,
    baseUrl: context.apiUrl,
    warn: (message) => environment.core.warning(message),
    writeIntervalMs: writeInterval(environment.env.KEYWARDEN_GITHUB_WRITE_INTERVAL_MS),
  });
  const repository = { owner: context.owner, repo: context.repo };
  const [label] = inputs.issueLabels;
  // One listing per run, for every account: the labelled issues, every page.
  const trusted = await trustedAuthors(client, inputs.githubToken, inputs.trustedAuthors);
  const existing = splitByAuthor(await listTrackedIssues(client, repository, label), trusted);
  const { consumersForIssues } = await import('./issues/consumers.js');
  const consumers = await consumersForIssues(report, environment.env, (message) =>
    environment.core.warning(message),
  );
  const plan = planIssueSync({
    desired: desiredIssues(report.findings, {
      policy: report.policy,
      asOf: report.asOf,
      maskKeyIds: inputs.maskKeyIds,
      users: report.users,
      consumers,
    }),
    existing: existing.trusted,
    completeAccounts: completeAccountsOf(report),
    maxWrites: inputs.maxIssueWrites,
    asOf: report.asOf,
    runUrl: context.runUrl,
  });
  return applyIssuePlan(client, repository, plan, inputs.issueLabels, trusted, existing.ignored);
}

/** KEYWARDEN_GITHUB_WRITE_INTERVAL_MS shortens GitHub's write spacing for tests and benchmarks. */
function writeInterval(text: string | undefined): number | undefined {
  if (!text || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

async function writeReport(
  report: AuditReport,
  inputs: ActionInputs,
  context: RunnerContext,
): Promise<string> {
  const json = toJsonReport(report);
  if (inputs.maskKeyIds) {
    for (const finding of json.findings) {
      if (finding.accessKeyId !== null) finding.accessKeyId = maskKeyId(finding.accessKeyId, true);
    }
  }
  const directory = join(context.runnerTemp, 'keywarden');
  await mkdir(directory, { recursive: true });
  const path = join(directory, `report-${report.account}.json`);
  await writeFile(path, `${JSON.stringify(json, null, 2)}\n`);
  return path;
}

function annotate(core: ActionCore, report: AuditReport, maskKeyIds: boolean): void {
  const flagged = report.findings.filter((f) => f.severity !== 'ok');
  for (const finding of flagged.slice(0, ANNOTATED_FINDINGS)) {
    const title = `keywarden: ${finding.verdict} access key of ${finding.user}`;
    const message = `${finding.user} (account ${finding.account}), key ${maskKeyId(finding.accessKeyId, maskKeyIds)} in slot ${finding.keySlot}: ${finding.reason}`;
    if (finding.severity === 'violation') core.error(message, { title });
    else core.warning(message, { title });
  }
  if (flagged.length > ANNOTATED_FINDINGS) {
    core.info(
      `keywarden: ${flagged.length - ANNOTATED_FINDINGS} more findings are in the job summary and the report`,
    );
  }
}

function setOutputs(
  core: ActionCore,
  report: AuditReport,
  reportPath: string,
  issues: SyncOutcome | null,
): void {
  const s = report.summary;
  const outputs: Record<string, string | number> = {
    users: s.users,
    keys: s.keys,
    violations: s.violations,
    warnings: s.warnings,
    overdue: s.overdue,
    expiring: s.expiring,
    unused: s.unused,
    stale: s.stale,
    exempt: s.exempt,
    'root-key': s['root-key'],
    compromised: s.compromised,
    superseded: s.superseded,
    compliant: s.compliant,
    complete: String(report.gaps.length === 0),
    account: report.account,
    'report-path': reportPath,
    'issues-opened': issues?.opened.length ?? 0,
    'issues-updated': issues?.updated.length ?? 0,
    'issues-reopened': issues?.reopened.length ?? 0,
    'issues-closed': issues?.closed.length ?? 0,
    'issues-deferred': issues?.deferred.length ?? 0,
  };
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, String(value));
}
