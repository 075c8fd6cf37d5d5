import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/policy/schema.js';
import { readEnvironment } from '../../../stacks/rotation/environment.js';
import { functionEnvironment } from '../../../stacks/rotation/function.js';

const AS_OF = new Date('2026-11-28T06:00:00Z');
const TOPIC = 'arn:aws:sns:eu-central-1:123456789012:notices';
const KEY = 'arn:aws:kms:eu-central-1:123456789012:key/1';
const POLICY = JSON.stringify({ trail: { bucket: 'trail-bucket' } });

describe('the function environment', () => {
  it('reads back what the program writes', () => {
    // Prepare
    const policy = parseConfig(
      {
        maxKeyAgeDays: 120,
        trail: { bucket: 'trail-bucket' },
        rotation: { lease: { bucket: 'lease-bucket' } },
      },
      { asOf: AS_OF },
    );

    // Act
    const environment = readEnvironment(functionEnvironment(policy, TOPIC, KEY), AS_OF);

    // Assess
    expect(environment).toEqual({
      config: policy,
      trail: { bucket: 'trail-bucket', prefix: 'trail/', retentionDays: 2557 },
      lease: { bucket: 'lease-bucket', prefix: 'leases/', seconds: 600 },
      topicArn: TOPIC,
      secretsKmsKeyArn: KEY,
    });
  });

  it('refuses a policy too large for Lambda’s 4 KB environment, naming the fix', () => {
    // Prepare
    const exemptions = Array.from({ length: 40 }, (_, index) => ({
      user: `svc-appliance-${index}`,
      reason: 'Appliance cannot reload keys without a vendor visit; CAPA-2291 tracks the replacement.',
      approvedBy: 'qa-lead@example.com',
      expiresOn: '2027-03-31',
    }));
    const policy = parseConfig({ exemptions, trail: { bucket: 'trail-bucket' } }, { asOf: AS_OF });

    // Act
    const attempt = () => functionEnvironment(policy, TOPIC, KEY);

    // Assess
    expect(attempt).toThrow(/policy is too large for the function's environment \(\d+ of 4096 bytes\)/);
  });

  it.each([
    [
      {},
      "the function's environment lacks KEYWARDEN_CONFIG, KEYWARDEN_TOPIC_ARN, KEYWARDEN_SECRETS_KMS_KEY_ARN",
    ],
    [
      { KEYWARDEN_CONFIG: '{', KEYWARDEN_TOPIC_ARN: TOPIC, KEYWARDEN_SECRETS_KMS_KEY_ARN: KEY },
      'KEYWARDEN_CONFIG is not JSON',
    ],
    [
      { KEYWARDEN_CONFIG: '{}', KEYWARDEN_TOPIC_ARN: TOPIC, KEYWARDEN_SECRETS_KMS_KEY_ARN: KEY },
      'KEYWARDEN_CONFIG names no trail bucket',
    ],
    [
      {
        KEYWARDEN_CONFIG: '{"maxKeyAgeDays":"90"}',
        KEYWARDEN_TOPIC_ARN: TOPIC,
        KEYWARDEN_SECRETS_KMS_KEY_ARN: KEY,
      },
      'KEYWARDEN_CONFIG: maxKeyAgeDays:',
    ],
    [
      { KEYWARDEN_CONFIG: POLICY, KEYWARDEN_TOPIC_ARN: 'notices', KEYWARDEN_SECRETS_KMS_KEY_ARN: KEY },
      'KEYWARDEN_TOPIC_ARN: "notices" is not allowed; expected an SNS topic ARN, arn:<partition>:sns:<region>:<account-id>:<topic-name>',
    ],
    [
      {
        KEYWARDEN_CONFIG: POLICY,
        KEYWARDEN_TOPIC_ARN: TOPIC,
        KEYWARDEN_SECRETS_KMS_KEY_ARN: 'arn:aws:sns:eu-central-1:123456789012:notices',
      },
      'KEYWARDEN_SECRETS_KMS_KEY_ARN: "arn:aws:sns:eu-central-1:123456789012:notices" is not allowed; expected a KMS key ARN',
    ],
  ])('refuses %j with one line', (env, message) => {
    // Act
    const attempt = () => readEnvironment(env, AS_OF);

    // Assess
    expect(attempt).toThrow(message);
  });
});
