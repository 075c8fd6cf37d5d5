import type { Config } from '../../core/policy/schema.js';
import { alarms, alarmTable } from './alarms.js';
import { rotationContext } from './context.js';
import { rotationFunction } from './function.js';
import { leaseBucket } from './lease-bucket.js';
import { noticeTopic, secretsKey } from './notices.js';
import { rotationSchedule } from './schedule.js';
import type { RotationSettings } from './settings.js';
import { trailBucket } from './trail-bucket.js';

export { functionEnvironment, functionPolicy } from './function.js';
export { secretsKeyPolicy } from './notices.js';

export interface RotationProgramInput {
  settings: RotationSettings;
  /** The validated policy (settings.policy after the core checks that need the clock). */
  policy: Config;
  /** The bundled handler (bundleHandler()), passed in so that tests and benches reuse one bundle. */
  handlerCode: string;
}

/**
 * The rotation function on a schedule and everything it needs, each piece as narrow as the work allows:
 * a key for the delivered secrets and a topic for notices and alarms, a write-once trail bucket, a lease
 * bucket through which overlapping runs take turns on a user, the
 * function (its role derived from core/aws/permissions.ts, a dead-letter queue, a log group that keeps logs as
 * long as the trail), its schedule, and the alarms.
 */
export function rotationProgram({ settings, policy, handlerCode }: RotationProgramInput) {
  const context = rotationContext(settings, policy);
  const key = secretsKey(context);
  const topic = noticeTopic(context, key);
  const bucket = trailBucket(context);
  const leases = leaseBucket(context);
  const { fn, deadLetters, logGroup } = rotationFunction(
    context,
    { key, topic, trailBucket: bucket, leaseBucket: leases },
    handlerCode,
  );
  const schedule = rotationSchedule(context, fn, deadLetters);
  alarms(context, alarmTable(context, fn, deadLetters), topic);
  return {
    functionName: fn.name,
    functionArn: fn.arn,
    scheduleName: schedule.name,
    scheduleArn: schedule.arn,
    scheduleExpression: schedule.scheduleExpression,
    trailBucket: bucket.bucket,
    leaseBucket: leases.bucket,
    topicArn: topic.arn,
    secretsKmsKeyArn: key.arn,
    deadLetterQueueUrl: deadLetters.url,
    logGroupName: logGroup.name,
  };
}
