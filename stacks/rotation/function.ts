import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { PolicyDocument, PolicyStatement } from '../../core/aws/iam-policy.js';
import { type PolicyTargets, policyFor } from '../../core/aws/permissions.js';
import type { Config } from '../../core/policy/schema.js';
import { SETTING_DEFAULTS } from '../../core/policy/settings.js';
import { assumableBy } from '../policy-document.js';
import { BUNDLE_FILE } from './bundle.js';
import type { RotationContext } from './context.js';
import {
  ENVIRONMENT_LIMIT_BYTES,
  EnvironmentVariable,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from './environment.js';
import { rotationRoleName } from './notices.js';
import { logRetentionOf } from './settings.js';

/** What the function works on, created by the other groups. */
export interface FunctionTargets {
  key: aws.kms.Key;
  topic: aws.sns.Topic;
  trailBucket: aws.s3.Bucket;
  /** Signs every trail record; the function may only Sign with it. */
  signingKey: aws.kms.Key;
  leaseBucket: aws.s3.Bucket;
}

/**
 * The rotation function with what only it uses: a dead-letter queue, a log group that keeps logs as long as
 * the trail, and a role whose policy is derived from core/aws/permissions.ts.
 */
export function rotationFunction(
  context: RotationContext,
  { key, topic, trailBucket, signingKey, leaseBucket }: FunctionTargets,
  handlerCode: string,
) {
  const { settings, policy, trail, tags } = context;
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
    name: rotationRoleName(settings.functionName),
    description: 'keywarden rotation function: rotates the keys of IAM users tagged for managed rotation',
    assumeRolePolicy: JSON.stringify(assumableBy('lambda.amazonaws.com')),
    tags,
  });
  const rolePolicy = new aws.iam.RolePolicy('function-permissions', {
    role: role.name,
    name: 'keywarden-rotation',
    policy: pulumi
      .all([
        pulumi.all([context.partition, context.account, context.region]),
        pulumi.all([key.arn, topic.arn, trailBucket.bucket, signingKey.arn, leaseBucket.bucket]),
        pulumi.all([logGroup.arn, deadLetters.arn]),
      ])
      .apply(
        ([
          [partition, account, region],
          [kmsKeyArn, topicArn, bucket, trailSigningKeyArn, leases],
          [logGroupArn, deadLetterQueueArn],
        ]) =>
          JSON.stringify(
            functionPolicy({
              partition,
              account,
              region,
              kmsKeyArn,
              topicArn,
              trail: { bucket, prefix: trail.prefix },
              trailSigningKeyArn,
              lease: { bucket: leases, prefix: SETTING_DEFAULTS.lease.prefix },
              scope: policy.scope,
              logGroupArn,
              deadLetterQueueArn,
            }),
          ),
      ),
  });
  const environment = pulumi
    .all([trailBucket.bucket, leaseBucket.bucket, topic.arn, key.arn, signingKey.arn])
    .apply(([bucket, leases, topicArn, kmsKeyArn, signingKeyArn]) =>
      functionEnvironment(
        {
          ...policy,
          trail: { ...trail, bucket, signingKey: signingKeyArn },
          rotation: { ...policy.rotation, lease: { ...SETTING_DEFAULTS.lease, bucket: leases } },
        },
        topicArn,
        kmsKeyArn,
      ),
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
  return { fn, deadLetters, logGroup };
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

/** What the function's policy names: its key, topic, trail, signing key, leases and scope; its logs and dead letters. */
export type FunctionPolicyTargets = Required<
  Pick<
    PolicyTargets,
    | 'partition'
    | 'account'
    | 'region'
    | 'kmsKeyArn'
    | 'topicArn'
    | 'trail'
    | 'trailSigningKeyArn'
    | 'lease'
    | 'scope'
  >
> & { logGroupArn: string; deadLetterQueueArn: string };

/**
 * The function's permissions: what core/aws/permissions.ts says rotation (with its lease bucket), the S3 trail,
 * signing its records (kms:Sign on the signing key only) and the audit (the credential report behind the
 * overdue-keys metric) need, key changes only on users carrying the scope
 * tag, with the secret boundary's denies; plus writing its own logs and its dead letters.
 */
export function functionPolicy(targets: FunctionPolicyTargets): PolicyDocument {
  const keywarden: PolicyStatement[] = policyFor(
    ['rotate', 'trail-s3', 'trail-sign', 'audit', 'consumers'],
    targets,
  );
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
