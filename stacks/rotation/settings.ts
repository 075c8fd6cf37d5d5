import { z } from 'zod';
import {
  CLOUDWATCH_RETENTION_DAYS,
  keepsLogsAtLeast,
  logRetentionAtLeast,
} from '../../core/infra/log-retention.js';
// The policy pack's own rule, so that a schedule the stack accepts is one the pack accepts.
import { firesAtLeastDaily } from '../../core/infra/schedule.js';
import { type Config, configSchema } from '../../core/policy/schema.js';
import { trailSettings } from '../../core/trail/settings.js';

/**
 * Settings of the `keywarden-rotation` Pulumi project. `policy` is keywarden.yml itself, validated by the
 * core schema (the same rules as the CLI and the Action); the other keys are what only a deployment has.
 */
export const rotationSettingsSchema = z
  .object({
    policy: configSchema.prefault({}).describe('The rotation policy: the content of keywarden.yml.'),
    notificationEmails: z
      .array(z.email())
      .min(1, 'name at least one address: the security team must hear about every rotation and alarm')
      .describe('Addresses subscribed to the notice topic (each confirms by email).'),
    schedule: z
      .string()
      .default('rate(1 day)')
      .describe('EventBridge Scheduler expression of the rotation run: rate(…) or cron(…), at least daily.'),
    scheduleTimezone: z.string().default('UTC').describe('IANA time zone of a cron(…) schedule.'),
    logRetentionDays: z
      .number()
      .int()
      .optional()
      .describe('CloudWatch retention of the function’s logs; default: the shortest that covers the trail.'),
    functionName: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a Lambda function name (1-64 of A-Z a-z 0-9 _ -)')
      .default('keywarden-rotation')
      .describe('Name of the rotation function (and of its log group /aws/lambda/<name>).'),
    timeoutSeconds: z
      .number()
      .int()
      .min(60)
      .max(900)
      .default(900)
      .describe('Lambda timeout; the run stops cleanly before it and the next run continues.'),
    memoryMb: z.number().int().min(128).max(10240).default(256).describe('Lambda memory, in MB.'),
    trailBucketName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 of a-z 0-9 . -)')
      .optional()
      .describe('Name of the trail bucket; default: generated from the stack name.'),
  })
  .strict()
  .superRefine((settings, ctx) => {
    if (!firesAtLeastDaily(settings.schedule)) {
      ctx.addIssue({
        code: 'custom',
        path: ['schedule'],
        message: `"${settings.schedule}" does not run every day: use rate(1 day), rate(12 hours) or a daily cron(…)`,
      });
    }
    const { trail } = settings.policy;
    for (const field of ['file', 'bucket'] as const) {
      if (trail?.[field] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['policy', 'trail', field],
          message: `the function writes its trail to the stack's own bucket: remove trail.${field}${field === 'bucket' ? ' (name the bucket with trailBucketName)' : ''}`,
        });
      }
    }
    if (trail?.signingKey !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['policy', 'trail', 'signingKey'],
        message:
          "the function signs its trail with the stack's own key (output trailSigningKeyArn): remove trail.signingKey",
      });
    }
    if (settings.policy.rotation.lease !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['policy', 'rotation', 'lease'],
        message:
          "the function takes its leases in the stack's own lease bucket: remove rotation.lease (a CLI that rotates the same users names that bucket, the stack's leaseBucket output)",
      });
    }
    const trailDays = trailOf(settings.policy).retentionDays;
    const logDays = settings.logRetentionDays;
    if (
      logDays !== undefined &&
      !(CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(logDays) &&
      logDays !== 0
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['logRetentionDays'],
        message: `must be one of CloudWatch's retention periods: ${CLOUDWATCH_RETENTION_DAYS.join(', ')}, or 0 (never expire)`,
      });
    } else if (!keepsLogsAtLeast(logDays ?? logRetentionAtLeast(trailDays), trailDays)) {
      ctx.addIssue({
        code: 'custom',
        path: ['logRetentionDays'],
        message: `${logDays} days is shorter than the trail's retention (${trailDays} days), and the logs explain each trail record: use ${logRetentionAtLeast(trailDays)} or more`,
      });
    }
  });

/** The function's log retention: as set, else the shortest CloudWatch period that covers the trail. */
export function logRetentionOf(settings: RotationSettings): number {
  return settings.logRetentionDays ?? logRetentionAtLeast(trailOf(settings.policy).retentionDays);
}

/** The trail settings of a policy with the core schema's defaults filled in. */
export function trailOf(policy: Pick<Config, 'trail'>): { prefix: string; retentionDays: number } {
  const { prefix, retentionDays } = trailSettings(policy);
  return { prefix, retentionDays };
}

export type RotationSettings = z.output<typeof rotationSettingsSchema>;
