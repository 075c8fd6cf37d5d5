import type { Config } from '../../core/policy/schema.js';
import { alarms, alarmTable } from './alarms.js';
import { rotationContext } from './context.js';
import { rotationFunction } from './function.js';
import { leaseBucket } from './lease-bucket.js';
import { noticeTopic, secretsKey, trailSigningKey } from './notices.js';
import { quarantineRule, quarantineRuleOutputs } from './quarantine.js';
import { rotationSchedule } from './schedule.js';
import type { RotationSettings } from './settings.js';
import { trailBucket } from './trail-bucket.js';

export interface RotationProgramInput {
  settings: RotationSettings;
  /** The validated policy (settings.policy after the core checks that need the clock). */
  policy: Config;
  /** The bundled handler (bundleHandler()), passed in so that tests and benches reuse one bundle. */
  handlerCode: string;
}

/**
 * The rotation function on a schedule and everything it needs, each piece as narrow as the work allows:
 * a key for the delivered secrets and a topic for notices and alarms, a write-once trail bucket and the key
 * that signs its records, a lease bucket through which overlapping runs take turns on a user, the
 * function (its role derived from core/aws/permissions.ts, a dead-letter queue, a log group that keeps logs as
 * long as the trail), its schedule, the rule that runs it for a user AWS quarantines, and the alarms.
 */
export function rotationProgram({ settings, policy, handlerCode }: RotationProgramInput) {
  const context = rotationContext(settings, policy);
  const key = secretsKey(context);
  const topic = noticeTopic(context, key);
  const bucket = trailBucket(context);
  const signingKey = trailSigningKey(context);
  const leases = leaseBucket(context);
  const { fn, deadLetters, logGroup } = rotationFunction(
    context,
    { key, topic, trailBucket: bucket, signingKey, leaseBucket: leases },
    handlerCode,
  );
  const schedule = rotationSchedule(context, fn, deadLetters);
  const quarantine = quarantineRule(context, fn);
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
    trailSigningKeyArn: signingKey.arn,
    deadLetterQueueUrl: deadLetters.url,
    logGroupName: logGroup.name,
    ...quarantineRuleOutputs(quarantine),
  };
}
