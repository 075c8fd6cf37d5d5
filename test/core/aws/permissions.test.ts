import { describe, expect, it } from 'vitest';
import {
  actionsFor,
  OWNER_ID_TAG,
  PERMISSIONS,
  policyFor,
  SECRET_BOUNDARY,
} from '../../../core/aws/permissions.js';

describe('permissions', () => {
  it('lists each action once, sorted', () => {
    const actions = actionsFor('audit', 'rotate');
    expect(actions).toEqual([...new Set(actions)].sort());
    expect(actions).toContain('iam:CreateAccessKey');
    expect(actions).not.toContain('secretsmanager:GetSecretValue');
  });

  it('never grants reading a secret value to keywarden itself', () => {
    const all = Object.values(PERMISSIONS)
      .flat()
      .map((p) => p.action);
    expect(all).not.toContain('secretsmanager:GetSecretValue');
  });

  it('builds a policy whose key mutations are limited to users carrying the scope tag', () => {
    const statements = policyFor(['rotate', 'trail-s3'], {
      account: '123456789012',
      region: 'eu-west-1',
      topicArn: 'arn:aws:sns:eu-west-1:123456789012:keywarden',
      trail: { bucket: 'trail-bucket', prefix: 'trail/' },
      scope: { tagKey: 'keywarden:rotation', tagValue: 'enabled' },
    });
    const scoped = statements.find((s) => s.Action.includes('iam:CreateAccessKey'));
    expect(scoped?.Condition).toEqual({ StringEquals: { 'iam:ResourceTag/keywarden:rotation': 'enabled' } });
    expect(scoped?.Resource).toEqual(['arn:aws:iam::123456789012:user/*']);
    const secrets = statements.find((s) => s.Action.includes('secretsmanager:PutSecretValue'));
    expect(secrets?.Resource).toEqual([
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:keywarden/123456789012/*',
    ]);
    expect(statements.flatMap((s) => s.Action)).not.toContain('kms:Decrypt');
    expect(statements.find((s) => s.Action.includes('s3:PutObject'))?.Resource).toEqual([
      'arn:aws:s3:::trail-bucket/trail/*',
    ]);
  });
});

describe('the rotation role and the managed secrets', () => {
  const targets = {
    account: '123456789012',
    region: 'eu-west-1',
    kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k',
    topicArn: 'arn:aws:sns:eu-west-1:123456789012:keywarden',
  };
  const bySid = () => Object.fromEntries(policyFor(['rotate'], targets).map((s) => [s.Sid, s]));

  it('allows PutResourcePolicy only while the secret has no owner tag', () => {
    // Act
    const statements = bySid();

    // Assess
    expect(statements['ManagedSecretNotYetOwned']).toMatchObject({
      Effect: 'Allow',
      Action: ['secretsmanager:PutResourcePolicy', 'secretsmanager:TagResource'],
      Condition: { Null: { [`aws:ResourceTag/${OWNER_ID_TAG}`]: 'true' } },
    });
    expect(statements['ManagedSecret']?.Action).not.toContain('secretsmanager:PutResourcePolicy');
  });

  it('denies reading, policy removal and owner-tag changes, and decrypting through Secrets Manager', () => {
    // Act
    const denied = policyFor(['rotate'], targets)
      .filter((s) => s.Effect === 'Deny')
      .map((s) => s.Sid);

    // Assess
    expect(denied).toEqual(SECRET_BOUNDARY.map((rule) => rule.sid));
    // Decrypt through Secrets Manager is allowed for writes now (AWS requires it), so the deny is on the rest.
    expect(bySid()['NeverDecryptStoredKeys']?.Condition).toEqual({
      StringNotEquals: {
        'kms:ViaService': ['secretsmanager.eu-west-1.amazonaws.com', 'sns.eu-west-1.amazonaws.com'],
      },
    });
    expect(bySid()['NeverDecryptOtherSecrets']?.Condition).toMatchObject({
      StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' },
      StringNotLike: { 'kms:EncryptionContext:SecretARN': expect.stringContaining(':secret:keywarden/') },
    });
  });

  it('lets the role decrypt with the key only through SNS, for publishing to the encrypted topic', () => {
    expect(bySid()['KmsKeyViaNoticeTopic']).toMatchObject({
      Action: ['kms:Decrypt'],
      Condition: { StringEquals: { 'kms:ViaService': 'sns.eu-west-1.amazonaws.com' } },
    });
    expect(bySid()['KmsKey']?.Action).toEqual(['kms:GenerateDataKey']);
  });

  it('lets the role decrypt through Secrets Manager only for managed secrets, which writing a value needs', () => {
    expect(bySid()['KmsKeyViaSecretsManager']).toMatchObject({
      Action: ['kms:Decrypt'],
      Condition: {
        StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' },
        StringLike: {
          'kms:EncryptionContext:SecretARN': expect.stringMatching(/:secret:keywarden\/\d{12}\/\*$/),
        },
      },
    });
  });
});
