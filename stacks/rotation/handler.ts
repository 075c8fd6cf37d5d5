import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { clientConfig } from '../../core/aws/clients.js';
import { callerIdentity } from '../../core/aws/identity.js';
import { createCloudTrailClient } from '../../core/consumers/client.js';
import { ConsumerFinder } from '../../core/consumers/finder.js';
import { describeError } from '../../core/errors.js';
import { type RotationRun, rotateUsers, S3LeaseStore, snsNotifier } from '../../core/rotation/index.js';
import { type Clock, systemClock } from '../../core/time.js';
import { createS3Client, kmsTrailSigner, S3TrailStore } from '../../core/trail/index.js';
import { METRICS_NAMESPACE, RunMetric, readEnvironment, SERVICE_NAME } from './environment.js';
import { parseRunTrigger } from './event.js';

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
  /**
   * Keys of users in scope whose verdict is a violation after the run (core's count: overdue, and any
   * later violation verdict); null when it could not be read. Named for the metric the alarm watches.
   */
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
 * One rotation run: event → environment → clients → the core engine → metrics. A scheduled run works on every
 * user in scope, stopping new work before the Lambda timeout (the violation count and the summary notice are
 * the engine's); a run started by AWS quarantining a user (the stack's EventBridge rule) works on that user
 * alone, if enrolled, and replaces its exposed key at once. A failure to start (an event it does not take, bad
 * environment, IAM unreadable) is thrown, so that Lambda counts an error and the alarm fires.
 */
export function createHandler(options: HandlerOptions = {}) {
  const clock = options.clock ?? systemClock;
  const wallClock = options.wallClock ?? Date.now;
  const safetyMargin = options.safetyMarginMs ?? defaultSafetyMargin;
  const logger = options.logger ?? new Logger({ serviceName: SERVICE_NAME });
  const metrics = options.metrics ?? new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

  return async function handler(event: unknown, context: LambdaContext): Promise<RunReport> {
    const remaining = context.getRemainingTimeInMillis();
    const timeout = wallClock() + remaining;
    logger.appendKeys({ function_name: context.functionName, request_id: context.awsRequestId });
    try {
      const trigger = parseRunTrigger(event);
      if (trigger.kind === 'quarantine') {
        logger.warn('AWS quarantined a user: rotating it at once', {
          user: trigger.user,
          policy: trigger.policy,
          at: trigger.at.toISOString(),
        });
      }
      const { config, trail, lease, topicArn, secretsKmsKeyArn } = readEnvironment(
        options.env ?? process.env,
        clock(),
      );
      const aws = clientConfig();
      const s3 = createS3Client();
      const { account } = await callerIdentity(new STSClient(aws));
      // The function's own region: notices name who still uses an old key from its CloudTrail event history.
      const region = (options.env ?? process.env).AWS_REGION;
      const run = await rotateUsers({
        clients: { iam: new IAMClient(aws), secrets: new SecretsManagerClient(aws) },
        config,
        account,
        actor: `lambda:${context.functionName}`,
        clock,
        wallClock,
        deadline: timeout - safetyMargin(remaining),
        trail: new S3TrailStore({
          ...trail,
          client: s3,
          ...(config.trail?.signingKey ? { signer: kmsTrailSigner(config.trail.signingKey) } : {}),
        }),
        // Lease expiry is judged by the real clock (other runs, on other machines, judge it by theirs).
        lease: new S3LeaseStore({ ...lease, client: s3 }),
        notifier: snsNotifier(topicArn, new SNSClient(aws)),
        consumers: region ? new ConsumerFinder(createCloudTrailClient({ region }), region) : undefined,
        ...(trigger.kind === 'quarantine'
          ? { users: [trigger.user], enrolledOnly: true, quarantinedAt: trigger.at }
          : { users: 'in-scope' as const }),
        kmsKeyId: secretsKmsKeyArn,
        // The alarm's metric counts every user in scope: only a scheduled run, which sees them all, reports it.
        ...(trigger.kind === 'schedule' ? { violations: { deadline: timeout - REPORTING_RESERVE_MS } } : {}),
        summary: true,
      });
      return report(run, logger, metrics, trigger.kind === 'schedule');
    } catch (err) {
      logger.error('rotation run failed', { error: describeError(err) });
      throw err;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/** Logs each user, adds the run's metrics, and returns the run's report. */
function report(run: RotationRun, logger: Logger, metrics: Metrics, counted: boolean): RunReport {
  for (const user of run.users) {
    const entry = { user: user.user, status: user.status, reason: user.reason, next: user.next };
    if (user.status === 'failed') logger.error('user not rotated', entry);
    else logger.info('user', { ...entry, actions: user.actions });
  }
  if (!counted) {
    // A run for one quarantined user: the scheduled run reports the account's count.
  } else if (run.violatingKeys === null) {
    logger.warn('overdue keys not counted: the alarm will report missing data', {
      error: run.violationsUnread,
    });
  } else {
    metrics.addMetric(RunMetric.overdueKeys, MetricUnit.Count, run.violatingKeys);
  }
  metrics.addMetric(RunMetric.mutations, MetricUnit.Count, mutationsOf(run));
  metrics.addMetric(RunMetric.failedUsers, MetricUnit.Count, run.counts.failed);
  metrics.addMetric(RunMetric.deferredUsers, MetricUnit.Count, run.counts.deferred);
  const result: RunReport = {
    account: run.account,
    at: run.at,
    counts: run.counts,
    complete: run.complete,
    overdueKeys: run.violatingKeys,
  };
  logger.info('rotation run finished', { ...result });
  return result;
}

const mutationsOf = (run: RotationRun): number =>
  run.users.reduce(
    (total, user) => total + user.actions.filter((action) => action.outcome === 'done').length,
    0,
  );

/** The Lambda entry (`index.handler`). */
export const handler = createHandler();
