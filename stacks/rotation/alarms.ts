import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import type { RotationContext } from './context.js';
import { METRICS_NAMESPACE, RunMetric, SERVICE_NAME } from './environment.js';

/** What an alarm watches; every alarm notifies the topic on alarm and on recovery, at threshold 1. */
interface AlarmRow {
  name: string;
  suffix: string;
  description: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, pulumi.Input<string>>;
  statistic: 'Sum' | 'Maximum';
  period: number;
  treatMissingData: 'breaching' | 'notBreaching';
}

/** The alarms of the rotation stack, as a table. */
export function alarmTable(
  { policy }: RotationContext,
  fn: aws.lambda.Function,
  deadLetters: aws.sqs.Queue,
): AlarmRow[] {
  const service = { service: SERVICE_NAME };
  return [
    {
      name: 'function-errors',
      suffix: 'errors',
      description: 'The keywarden rotation run failed: read the function logs for the error and the user.',
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: fn.name },
      statistic: 'Sum',
      period: 3600,
      treatMissingData: 'notBreaching',
    },
    {
      name: 'overdue-keys',
      suffix: 'overdue-keys',
      description: `An enrolled user's active key is older than maxKeyAgeDays (${policy.maxKeyAgeDays}), or the rotation did not report for a day (missing data counts as overdue).`,
      namespace: METRICS_NAMESPACE,
      metricName: RunMetric.overdueKeys,
      dimensions: service,
      statistic: 'Maximum',
      period: 86400,
      treatMissingData: 'breaching',
    },
    {
      name: 'failed-users',
      suffix: 'failed-users',
      description:
        'The rotation run could not rotate some users: the summary notice and the function logs name each one and why.',
      namespace: METRICS_NAMESPACE,
      metricName: RunMetric.failedUsers,
      dimensions: service,
      statistic: 'Maximum',
      period: 86400,
      treatMissingData: 'notBreaching',
    },
    {
      name: 'dead-letters',
      suffix: 'dead-letters',
      description:
        'A rotation run could not be delivered or failed after retries: see the dead-letter queue.',
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: deadLetters.name },
      statistic: 'Maximum',
      period: 300,
      treatMissingData: 'notBreaching',
    },
  ];
}

/** One CloudWatch alarm per row, notifying the topic. */
export function alarms(context: RotationContext, rows: AlarmRow[], topic: aws.sns.Topic) {
  return rows.map(
    (row) =>
      new aws.cloudwatch.MetricAlarm(row.name, {
        name: `${context.settings.functionName}-${row.suffix}`,
        alarmDescription: row.description,
        namespace: row.namespace,
        metricName: row.metricName,
        dimensions: row.dimensions,
        statistic: row.statistic,
        period: row.period,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: row.treatMissingData,
        alarmActions: [topic.arn],
        okActions: [topic.arn],
        tags: context.tags,
      }),
  );
}
