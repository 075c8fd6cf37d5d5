import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { PolicyDocument } from '../../core/aws/iam-policy.js';
import { assumableBy } from '../policy-document.js';
import type { RotationContext } from './context.js';

/** The rotation run on EventBridge Scheduler, with retries and the function's dead-letter queue. */
export function rotationSchedule(
  { settings, account, tags }: RotationContext,
  fn: aws.lambda.Function,
  deadLetters: aws.sqs.Queue,
): aws.scheduler.Schedule {
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
  return new aws.scheduler.Schedule('rotation-run', {
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
