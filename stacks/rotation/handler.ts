import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig } from '../../core/aws.js';
import { describeError } from '../../core/errors.js';
import { evaluate } from '../../core/evaluate.js';
import { fetchCredentialReport } from '../../core/inventory/live.js';
import { type RotationRun, rotateUsers, snsNotifier, summaryText } from '../../core/rotation/index.js';
import { type Clock, systemClock } from '../../core/time.js';
import { S3TrailStore } from '../../core/trail/index.js';
import { METRICS_NAMESPACE, RunMetric, readEnvironment, SERVICE_NAME } from './environment.js';

/** The part of Lambda's context object the handler reads. */
export interface LambdaContext {
  functionName: string;
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

export interface RunReport {
  account: string;
  at: string;
  counts: RotationRun['counts'];
  /** False when users failed or were left for the next run. */
  complete: boolean;
  /** Active keys of users in scope older than maxKeyAgeDays after the run; null when it could not be read. */
  overdueKeys: number | null;
}

export interface HandlerOptions {
  /** Decides what is due (default: the system clock). */
  clock?: Clock;
  /** Measures the time budget against Lambda's remaining time (default: Date.now). */
  wallClock?: () => number;
  /** Time kept back from the budget for the users in flight, the overdue count and the metrics. */
  safetyMarginMs?: (remainingMs: number) => number;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  metrics?: Metrics;
}

/** Kept back at the very end for the summary notice and the metrics. */
const REPORTING_RESERVE_MS = 10_000;

/** Up to two minutes, and never more than a quarter of the run. */
export const defaultSafetyMargin = (remainingMs: number): number => Math.min(120_000, remainingMs / 4);

/**
 * One scheduled rotation run: every user in scope through the core engine, stopping new work before the
 * Lambda timeout (the next run continues; every step is idempotent), then the overdue count as an EMF
 * metric and at most one summary notice. A failure to start (bad environment, IAM unreadable) is thrown,
 * so that Lambda counts an error and the alarm fires.
 */
export function createHandler(options: HandlerOptions = {}) {
  const clock = options.clock ?? systemClock;
  const wallClock = options.wallClock ?? Date.now;
  const safetyMargin = options.safetyMarginMs ?? defaultSafetyMargin;
  const logger = options.logger ?? new Logger({ serviceName: SERVICE_NAME });
  const metrics = options.metrics ?? new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

  return async function handler(_event: unknown, context: LambdaContext): Promise<RunReport> {
    const remaining = context.getRemainingTimeInMillis();
    const timeout = wallClock() + remaining;
    const deadline = timeout - safetyMargin(remaining);
    logger.appendKeys({ function_name: context.functionName, request_id: context.awsRequestId });
    try {
      const asOf = clock();
      const { config, trail, topicArn, secretsKmsKeyArn } = readEnvironment(options.env ?? process.env, asOf);
      const aws = clientConfig();
      const iam = new IAMClient(aws);
      const notifier = snsNotifier(topicArn, new SNSClient(aws));
      const account = await accountOf(new STSClient(aws));

      const run = await rotateUsers({
        clients: { iam, secrets: new SecretsManagerClient(aws) },
        config,
        account,
        actor: `lambda:${context.functionName}`,
        clock,
        wallClock,
        deadline,
        trail: new S3TrailStore(trail),
        notifier,
        users: 'in-scope',
        kmsKeyId: secretsKmsKeyArn,
      });
      for (const user of run.users) {
        const entry = { user: user.user, status: user.status, reason: user.reason, next: user.next };
        if (user.status === 'failed') logger.error('user not rotated', entry);
        else logger.info('user', { ...entry, actions: user.actions });
      }

      const overdueKeys = await countOverdueKeys(
        iam,
        config,
        clock(),
        run,
        timeout - wallClock() - REPORTING_RESERVE_MS,
      );
      if (overdueKeys instanceof Error) {
        logger.warn('overdue keys not counted: the alarm will report missing data', {
          error: describeError(overdueKeys),
        });
      } else {
        metrics.addMetric(RunMetric.overdueKeys, MetricUnit.Count, overdueKeys);
      }
      metrics.addMetric(RunMetric.mutations, MetricUnit.Count, mutationsOf(run));
      metrics.addMetric(RunMetric.failedUsers, MetricUnit.Count, run.counts.failed);
      metrics.addMetric(RunMetric.deferredUsers, MetricUnit.Count, run.counts.deferred);

      const report: RunReport = {
        account,
        at: run.at,
        counts: run.counts,
        complete: run.complete,
        overdueKeys: overdueKeys instanceof Error ? null : overdueKeys,
      };
      if (deservesNotice(report)) {
        await notifier.send({
          kind: 'summary',
          subject: `keywarden: rotation run ${run.at}`,
          text: summaryOf(run, report),
        });
      }
      logger.info('rotation run finished', { ...report });
      return report;
    } catch (err) {
      logger.error('rotation run failed', { error: describeError(err) });
      throw err;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

async function accountOf(sts: STSClient): Promise<string> {
  const { Account } = await sts.send(new GetCallerIdentityCommand({}));
  if (!Account) throw new Error('STS returned no account ID');
  return Account;
}

/**
 * Active keys older than maxKeyAgeDays among the users in scope, from the credential report (a few
 * calls whatever the number of users). An Error instead of a number when the report cannot be read.
 */
async function countOverdueKeys(
  iam: IAMClient,
  config: Parameters<typeof evaluate>[1],
  asOf: Date,
  run: RotationRun,
  timeoutMs: number,
): Promise<number | Error> {
  try {
    const inScope = new Set(run.users.map((user) => user.user));
    const report = await fetchCredentialReport(iam, { timeoutMs: Math.max(timeoutMs, 1_000) });
    const keys = report.keys.filter((key) => inScope.has(key.user));
    return evaluate(keys, config, asOf).filter((finding) => finding.verdict === 'overdue').length;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

const mutationsOf = (run: RotationRun): number =>
  run.users.reduce(
    (total, user) => total + user.actions.filter((action) => action.outcome === 'done').length,
    0,
  );

/** Quiet runs stay quiet: a notice only when something changed, failed, waits, or is overdue. */
function deservesNotice(report: RunReport): boolean {
  const { done, blocked, failed, deferred } = report.counts;
  return done + blocked + failed + deferred > 0 || (report.overdueKeys ?? 0) > 0;
}

function summaryOf(run: RotationRun, report: RunReport): string {
  const lines = [summaryText(run)];
  if (report.overdueKeys) lines.push(`${report.overdueKeys} active key(s) of users in scope are overdue.`);
  if (run.counts.deferred > 0) {
    lines.push(`${run.counts.deferred} user(s) were left for the next run: the time budget was spent.`);
  }
  return lines.join('\n');
}

/** The Lambda entry (`index.handler`). */
export const handler = createHandler();
