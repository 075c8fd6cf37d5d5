import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import main from '../../../stacks/rotation/index.js';
import { logRetentionOf, rotationSettingsSchema } from '../../../stacks/rotation/settings.js';
import { readStackSettings } from '../../../stacks/settings.js';
import { awsMocks, setProjectConfig } from '../../support/pulumi-program.js';

const PROJECT = 'keywarden-rotation';
const BASE = { notificationEmails: ['security@example.com'] };
const asPulumiConfig = (config: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(config).map(([key, value]) => [
      `${PROJECT}:${key}`,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  );
const read = (config: Record<string, unknown>) =>
  readStackSettings(rotationSettingsSchema, asPulumiConfig(config), PROJECT);

describe('keywarden-rotation settings', () => {
  it('applies the defaults: a daily run, 15 minutes, and logs kept as long as the trail', () => {
    // Act
    const settings = read(BASE);

    // Assess
    expect(settings).toMatchObject({
      schedule: 'rate(1 day)',
      scheduleTimezone: 'UTC',
      functionName: 'keywarden-rotation',
      timeoutSeconds: 900,
      memoryMb: 256,
    });
    expect(settings.policy.maxKeyAgeDays).toBe(90);
    expect(logRetentionOf(settings)).toBe(2557);
  });

  it.each([
    [{}, 'notificationEmails: Invalid input: expected array, received undefined'],
    [{ notificationEmails: [] }, 'notificationEmails: name at least one address'],
    [{ notificationEmails: ['security'] }, 'notificationEmails[0]: Invalid email address'],
    [{ ...BASE, schedule: 'rate(7 days)' }, 'schedule: "rate(7 days)" does not run every day'],
    [
      { ...BASE, schedule: 'cron(0 6 ? * MON-FRI *)' },
      'schedule: "cron(0 6 ? * MON-FRI *)" does not run every day',
    ],
    [
      { ...BASE, logRetentionDays: 30 },
      "logRetentionDays: 30 days is shorter than the trail's retention (2557 days)",
    ],
    [{ ...BASE, logRetentionDays: 45 }, "logRetentionDays: must be one of CloudWatch's retention periods"],
    [
      { ...BASE, policy: { trail: { file: 'trail.jsonl' } } },
      "policy.trail.file: the function writes its trail to the stack's own bucket",
    ],
    [
      { ...BASE, policy: { trail: { bucket: 'mine' } } },
      'policy.trail.bucket: the function writes its trail',
    ],
    [
      {
        ...BASE,
        policy: { trail: { signingKey: 'arn:aws:kms:eu-west-1:123456789012:key/0b7c6f9e-2b1a-4f3e' } },
      },
      "policy.trail.signingKey: the function signs its trail with the stack's own key (output trailSigningKeyArn): remove trail.signingKey",
    ],
    [
      { ...BASE, policy: { maxKeyAgeDays: 0 } },
      'policy.maxKeyAgeDays: must be a whole number of days from 1 to 3650',
    ],
    [
      { ...BASE, policy: { rotation: { rotateAtDays: 88 } } },
      'policy.rotation.rotateAtDays: rotateAtDays (88) + deactivateAfterDays (7) must not exceed maxKeyAgeDays (90)',
    ],
    [{ ...BASE, timeoutSeconds: 901 }, 'timeoutSeconds: Too big'],
    [{ ...BASE, memory: 512 }, 'unknown key "memory"'],
  ])('refuses %j naming the key', (config, message) => {
    // Act
    const attempt = () => read(config);

    // Assess
    expect(attempt).toThrow(`${PROJECT} config: `);
    expect(attempt).toThrow(message);
  });

  it('accepts a log retention of 0 (never expire) and a daily cron', () => {
    // Act
    const settings = read({ ...BASE, logRetentionDays: 0, schedule: 'cron(30 5 * * ? *)' });

    // Assess
    expect(logRetentionOf(settings)).toBe(0);
  });

  it('refuses, before registering anything, an exemption that runs more than a year ahead', async () => {
    // Prepare
    await pulumi.runtime.setMocks(awsMocks(), PROJECT, 'test', false);
    setProjectConfig(PROJECT, {
      ...BASE,
      policy: {
        exemptions: [
          { user: 'svc', reason: 'CAPA-1', approvedBy: 'qa@example.com', expiresOn: '2028-01-31' },
        ],
      },
    });

    // Act
    const attempt = main({ asOf: new Date('2026-11-28T06:00:00Z'), handlerCode: '' });

    // Assess
    await expect(attempt).rejects.toThrow(
      `${PROJECT} config: policy: exemptions[0].expiresOn: 2028-01-31 is more than 365 days ahead`,
    );
    await expect(attempt).rejects.toSatisfy((err) => pulumi.RunError.isInstance(err));
  });
});
