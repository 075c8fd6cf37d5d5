import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Config } from '../../core/config-schema.js';
import { policyFor } from '../../core/permissions.js';
import { componentTags, StackComponent, StackPurpose } from '../../core/stack-tags.js';
import type { PolicyDocument, PolicyStatement } from '../policy-document.js';
import { BUNDLE_FILE } from './bundle.js';
import {
  ENVIRONMENT_LIMIT_BYTES,
  EnvironmentVariable,
  METRICS_NAMESPACE,
  RunMetric,
  SERVICE_NAME,
} from './environment.js';
import { logRetentionOf, type RotationSettings, trailOf } from './settings.js';

export interface RotationProgramInput {
  settings: RotationSettings;
  /** The validated policy (settings.policy after the core checks that need the clock). */
  policy: Config;
  /** The bundled handler (bundleHandler()), passed in so that tests and benches reuse one bundle. */
  handlerCode: string;
}

/**
 * The rotation function on a schedule and everything it needs, each piece as narrow as the work allows:
 * a role derived from core/permissions.ts, a write-once trail bucket, a key for the delivered secrets,
 * a topic for notices and alarms, a dead-letter queue, a log group that keeps logs as long as the trail.
 */
export function rotationProgram({ settings, policy, handlerCode }: RotationProgramInput) {
  const tags = componentTags(StackComponent.rotation);
  const trail = trailOf(policy);
  const partition = aws.getPartitionOutput().partition;
  const account = aws.getCallerIdentityOutput().accountId;
  const region = aws.getRegionOutput().region;

  const secretsKey = new aws.kms.Key(
    'secrets-key',
    {
      description: 'keywarden: encrypts delivered access keys (Secrets Manager) and rotation notices (SNS)',
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: pulumi
        .all([partition, account, region])
        .apply(([partitionName, accountId, regionName]) =>
          JSON.stringify(secretsKeyPolicy(partitionName, accountId, regionName)),
        ),
      tags,
    },
    // Delivered secrets must stay readable after `pulumi destroy`.
    { retainOnDelete: true },
  );

  const topic = new aws.sns.Topic('notices', {
    displayName: 'keywarden rotation',
    kmsMasterKeyId: secretsKey.arn,
    tags,
  });
  settings.notificationEmails.forEach((address, index) => {
    new aws.sns.TopicSubscription(`notice-email-${index}`, {
      topic: topic.arn,
      protocol: 'email',
      endpoint: address,
    });
  });

  const trailBucket = new aws.s3.Bucket(
    'trail',
    {
      ...(settings.trailBucketName ? { bucket: settings.trailBucketName } : {}),
      objectLockEnabled: true,
      tags: componentTags(StackComponent.rotation, StackPurpose.trailBucket),
    },
    // The records must outlive the stack (COMPLIANCE mode would refuse their deletion anyway).
    { retainOnDelete: true },
  );
  new aws.s3.BucketVersioning('trail-versioning', {
    bucket: trailBucket.bucket,
    versioningConfiguration: { status: 'Enabled' },
  });
  new aws.s3.BucketObjectLockConfiguration('trail-object-lock', {
    bucket: trailBucket.bucket,
    objectLockEnabled: 'Enabled',
    rule: { defaultRetention: { mode: 'COMPLIANCE', days: trail.retentionDays } },
  });
  new aws.s3.BucketPublicAccessBlock('trail-public-access-block', {
    bucket: trailBucket.bucket,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new aws.s3.BucketServerSideEncryptionConfiguration('trail-encryption', {
    bucket: trailBucket.bucket,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
  });
  new aws.s3.BucketPolicy('trail-tls-only', {
    bucket: trailBucket.bucket,
    policy: pulumi
      .all([partition, trailBucket.bucket])
      .apply(([partitionName, bucket]) => JSON.stringify(tlsOnlyBucketPolicy(partitionName, bucket))),
  });

  const deadLetters = new aws.sqs.Queue('dead-letters', {
    messageRetentionSeconds: 14 * 24 * 3600,
    sqsManagedSseEnabled: true,
    tags,
  });

  const logGroup = new aws.cloudwatch.LogGroup('function-logs', {
    name: `/aws/lambda/${settings.functionName}`,
    retentionInDays: logRetentionOf(settings),
    tags,
  });

  const role = new aws.iam.Role('function-role', {
    name: `${settings.functionName}-function`,
    description: 'keywarden rotation function: rotates the keys of IAM users tagged for managed rotation',
    assumeRolePolicy: JSON.stringify(assumableBy('lambda.amazonaws.com')),
    tags,
  });
  const rolePolicy = new aws.iam.RolePolicy('function-permissions', {
    role: role.name,
    name: 'keywarden-rotation',
    policy: pulumi
      .all([
        partition,
        account,
        region,
        secretsKey.arn,
        topic.arn,
        trailBucket.bucket,
        logGroup.arn,
        deadLetters.arn,
      ])
      .apply(([partitionName, accountId, regionName, kmsKeyArn, topicArn, bucket, logGroupArn, queueArn]) =>
        JSON.stringify(
          functionPolicy({
            partition: partitionName,
            account: accountId,
            region: regionName,
            kmsKeyArn,
            topicArn,
            trailBucket: bucket,
            trailPrefix: trail.prefix,
            scope: policy.scope,
            logGroupArn,
            deadLetterQueueArn: queueArn,
          }),
        ),
      ),
  });

  const environment = pulumi
    .all([trailBucket.bucket, topic.arn, secretsKey.arn])
    .apply(([bucket, topicArn, kmsKeyArn]) =>
      functionEnvironment({ ...policy, trail: { ...trail, bucket } }, topicArn, kmsKeyArn),
    );

  const fn = new aws.lambda.Function(
    'function',
    {
      name: settings.functionName,
      description:
        'keywarden: rotates IAM access keys of enrolled users and records each change in the trail',
      runtime: aws.lambda.Runtime.NodeJS24dX,
      architectures: ['arm64'],
      handler: 'index.handler',
      code: new pulumi.asset.AssetArchive({ [BUNDLE_FILE]: new pulumi.asset.StringAsset(handlerCode) }),
      role: role.arn,
      timeout: settings.timeoutSeconds,
      memorySize: settings.memoryMb,
      reservedConcurrentExecutions: 1,
      environment: { variables: environment },
      loggingConfig: {
        logFormat: 'JSON',
        logGroup: logGroup.name,
        applicationLogLevel: 'INFO',
        systemLogLevel: 'WARN',
      },
      deadLetterConfig: { targetArn: deadLetters.arn },
      tags,
    },
    { dependsOn: [rolePolicy, logGroup] },
  );

  const schedulerRole = new aws.iam.Role('scheduler-role', {
    name: `${settings.functionName}-scheduler`,
    description: 'keywarden: lets EventBridge Scheduler invoke the rotation function',
    assumeRolePolicy: account.apply((accountId) =>
      JSON.stringify(assumableBy('scheduler.amazonaws.com', { 'aws:SourceAccount': accountId })),
    ),
    tags,
  });
  new aws.iam.RolePolicy('scheduler-permissions', {
    role: schedulerRole.name,
    name: 'invoke-rotation',
    policy: pulumi
      .all([fn.arn, deadLetters.arn])
      .apply(([functionArn, queueArn]) => JSON.stringify(schedulerPolicy(functionArn, queueArn))),
  });
  const scheduleGroup = new aws.scheduler.ScheduleGroup('schedules', {
    name: settings.functionName,
    tags,
  });
  const schedule = new aws.scheduler.Schedule('rotation-run', {
    name: `${settings.functionName}-run`,
    groupName: scheduleGroup.name,
    description: 'keywarden: the rotation run (at least daily)',
    scheduleExpression: settings.schedule,
    scheduleExpressionTimezone: settings.scheduleTimezone,
    flexibleTimeWindow: { mode: 'OFF' },
    state: 'ENABLED',
    target: {
      arn: fn.arn,
      roleArn: schedulerRole.arn,
      input: JSON.stringify({ source: 'keywarden-schedule' }),
      retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: deadLetters.arn },
    },
  });

  const alarm = (name: string, args: Omit<aws.cloudwatch.MetricAlarmArgs, 'alarmActions' | 'tags'>) =>
    new aws.cloudwatch.MetricAlarm(name, {
      ...args,
      alarmActions: [topic.arn],
      okActions: [topic.arn],
      tags,
    });
  alarm('function-errors', {
    name: `${settings.functionName}-errors`,
    alarmDescription: 'The keywarden rotation run failed: read the function logs for the error and the user.',
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: { FunctionName: fn.name },
    statistic: 'Sum',
    period: 3600,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    treatMissingData: 'notBreaching',
  });
  alarm('overdue-keys', {
    name: `${settings.functionName}-overdue-keys`,
    alarmDescription: `An enrolled user's active key is older than maxKeyAgeDays (${policy.maxKeyAgeDays}), or the rotation did not report for a day (missing data counts as overdue).`,
    namespace: METRICS_NAMESPACE,
    metricName: RunMetric.overdueKeys,
    dimensions: { service: SERVICE_NAME },
    statistic: 'Maximum',
    period: 86400,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    treatMissingData: 'breaching',
  });
  alarm('failed-users', {
    name: `${settings.functionName}-failed-users`,
    alarmDescription:
      'The rotation run could not rotate some users: the summary notice and the function logs name each one and why.',
    namespace: METRICS_NAMESPACE,
    metricName: RunMetric.failedUsers,
    dimensions: { service: SERVICE_NAME },
    statistic: 'Maximum',
    period: 86400,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    treatMissingData: 'notBreaching',
  });
  alarm('dead-letters', {
    name: `${settings.functionName}-dead-letters`,
    alarmDescription:
      'A rotation run could not be delivered or failed after retries: see the dead-letter queue.',
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: deadLetters.name },
    statistic: 'Maximum',
    period: 300,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    treatMissingData: 'notBreaching',
  });

  return {
    functionName: fn.name,
    functionArn: fn.arn,
    scheduleName: schedule.name,
    scheduleArn: schedule.arn,
    scheduleExpression: schedule.scheduleExpression,
    trailBucket: trailBucket.bucket,
    topicArn: topic.arn,
    secretsKmsKeyArn: secretsKey.arn,
    deadLetterQueueUrl: deadLetters.url,
    logGroupName: logGroup.name,
  };
}

/** The function's environment; refused at deployment if Lambda's 4 KB limit would refuse it later. */
export function functionEnvironment(
  policy: Config,
  topicArn: string,
  kmsKeyArn: string,
): Record<string, string> {
  const variables: Record<string, string> = {
    [EnvironmentVariable.config]: JSON.stringify(policy),
    [EnvironmentVariable.topicArn]: topicArn,
    [EnvironmentVariable.secretsKmsKeyArn]: kmsKeyArn,
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: 'INFO',
  };
  const bytes = Object.entries(variables).reduce(
    (total, [name, value]) => total + Buffer.byteLength(name) + Buffer.byteLength(value),
    0,
  );
  if (bytes > ENVIRONMENT_LIMIT_BYTES) {
    throw new pulumi.RunError(
      `keywarden-rotation config: policy is too large for the function's environment (${bytes} of ${ENVIRONMENT_LIMIT_BYTES} bytes): shorten exemption reasons or remove expired exemptions`,
    );
  }
  return variables;
}

export interface FunctionPolicyTargets {
  partition: string;
  account: string;
  region: string;
  kmsKeyArn: string;
  topicArn: string;
  trailBucket: string;
  trailPrefix: string;
  scope: { tagKey: string; tagValue: string };
  logGroupArn: string;
  deadLetterQueueArn: string;
}

/**
 * The function's permissions: what core/permissions.ts says rotation, the S3 trail and the audit (the
 * credential report behind the overdue-keys metric) need, key changes only on users carrying the scope
 * tag; plus writing its own logs and its dead letters.
 */
export function functionPolicy(targets: FunctionPolicyTargets): PolicyDocument {
  const keywarden: PolicyStatement[] = policyFor(['rotate', 'trail-s3', 'audit'], targets);
  return {
    Version: '2012-10-17',
    Statement: [
      ...keywarden,
      {
        Sid: 'OwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `${targets.logGroupArn}:*`,
      },
      {
        Sid: 'OwnDeadLetters',
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: targets.deadLetterQueueArn,
      },
    ],
  };
}

function schedulerPolicy(functionArn: string, queueArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'InvokeRotation', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: functionArn },
      { Sid: 'UndeliveredRuns', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn },
    ],
  };
}

function assumableBy(service: string, sourceAccount?: Record<string, string>): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AssumedByService',
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        ...(sourceAccount ? { Condition: { StringEquals: sourceAccount } } : {}),
      },
    ],
  };
}

/**
 * Administration stays with the account (IAM policies decide who manages the key). Principals of the
 * account may decrypt only through Secrets Manager, where each secret's resource policy admits its owner
 * alone; CloudWatch may use the key to publish alarms to the encrypted topic.
 */
export function secretsKeyPolicy(partition: string, account: string, region: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AccountAdministersTheKey',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'OwnersReadTheirSecretThroughSecretsManager',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Decrypt', 'kms:DescribeKey'],
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:CallerAccount': account,
            'kms:ViaService': `secretsmanager.${region}.amazonaws.com`,
          },
        },
      },
      {
        Sid: 'CloudWatchAlarmsPublishToTheTopic',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': account } },
      },
    ],
  };
}

function tlsOnlyBucketPolicy(partition: string, bucket: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyWithoutTls',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Resource: [`arn:${partition}:s3:::${bucket}`, `arn:${partition}:s3:::${bucket}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
}
