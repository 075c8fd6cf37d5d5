import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { PolicyDocument } from '../../core/aws/iam-policy.js';
import { managedSecretArns, secretsManagerService } from '../../core/aws/permissions.js';
import { TRAIL_SIGNING_KEY_SPEC } from '../../core/trail/signing.js';
import type { RotationContext } from './context.js';

/**
 * The key that encrypts delivered access keys (Secrets Manager) and notices (SNS). Kept when the stack is
 * destroyed: delivered secrets must stay readable after `pulumi destroy`.
 */
export function secretsKey({ partition, account, region, tags, settings }: RotationContext): aws.kms.Key {
  return new aws.kms.Key(
    'secrets-key',
    {
      description: 'keywarden: encrypts delivered access keys (Secrets Manager) and rotation notices (SNS)',
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: pulumi
        .all([partition, account, region])
        .apply(([partitionName, accountId, regionName]) =>
          JSON.stringify(
            secretsKeyPolicy(partitionName, accountId, regionName, rotationRoleName(settings.functionName)),
          ),
        ),
      tags,
    },
    { retainOnDelete: true },
  );
}

/**
 * The key that signs every trail record (ECC_NIST_P256, SIGN_VERIFY: KMS Sign, ECDSA_SHA_256, over each
 * record's hash). The function may only Sign with it (core/aws/permissions.ts `trail-sign`); who else may sign
 * (an operator's `keywarden rotate` on the same trail) is IAM's to decide, as for any key the account
 * administers. Kept when the stack is destroyed: the trail's signatures must stay verifiable for as long as
 * the records are kept, and verifying needs the key's public half.
 */
export function trailSigningKey({ tags }: RotationContext): aws.kms.Key {
  return new aws.kms.Key(
    'trail-signing-key',
    {
      description: 'keywarden: signs every rotation trail record (ECDSA P-256 over the record hash)',
      customerMasterKeySpec: TRAIL_SIGNING_KEY_SPEC,
      keyUsage: 'SIGN_VERIFY',
      deletionWindowInDays: 30,
      tags,
    },
    { retainOnDelete: true },
  );
}

/** The notice topic (encrypted with the secrets key) and an email subscription per notification address. */
export function noticeTopic({ settings, tags }: RotationContext, key: aws.kms.Key): aws.sns.Topic {
  const topic = new aws.sns.Topic('notices', {
    displayName: 'keywarden rotation',
    kmsMasterKeyId: key.arn,
    tags,
  });
  settings.notificationEmails.forEach((address, index) => {
    new aws.sns.TopicSubscription(`notice-email-${index}`, {
      topic: topic.arn,
      protocol: 'email',
      endpoint: address,
    });
  });
  return topic;
}

/** The function role's name (function.ts creates it; the key policy names it before it exists). */
export const rotationRoleName = (functionName: string) => `${functionName}-function`;

/**
 * Administration stays with the account (IAM policies decide who manages the key). Decrypting through
 * Secrets Manager is reading a stored key, so the key allows it only for managed secrets
 * (`keywarden/<account>/…`, from the encryption context Secrets Manager sets) and only to IAM users (the
 * owners; which owner reads which secret is each secret's resource policy), and denies it to every other
 * principal, whatever its IAM policies grant, but the rotation role: AWS requires kms:Decrypt (with
 * GenerateDataKey) of whoever writes a value under a customer-managed key. The role gets it only for managed
 * secrets and only through Secrets Manager, which never hands it a value (GetSecretValue is denied to it);
 * any other role can never decrypt a stored key. CloudWatch may use the key to publish alarms to the encrypted topic.
 */
export function secretsKeyPolicy(
  partition: string,
  account: string,
  region: string,
  roleName: string,
): PolicyDocument {
  const users = `arn:${partition}:iam::${account}:user/*`;
  const rotationRole = `arn:${partition}:iam::${account}:role/${roleName}`;
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
        // Decrypt only: an action whose request carries no encryption context (DescribeKey) would be granted to
        // no one here; reading a secret needs none (test/stacks/rotation/key-policy.test.ts).
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:CallerAccount': account,
            'kms:ViaService': secretsManagerService(region),
          },
          StringLike: { 'kms:EncryptionContext:SecretARN': managedSecretArns(partition, region, account) },
          ArnLike: { 'aws:PrincipalArn': users },
        },
      },
      {
        Sid: 'OnlyOwnersDecryptThroughSecretsManager',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:ViaService': secretsManagerService(region) },
          ArnNotLike: { 'aws:PrincipalArn': [users, rotationRole] },
        },
      },
      {
        Sid: 'RotationRoleWritesOnlyManagedSecrets',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:ViaService': secretsManagerService(region) },
          StringNotLike: { 'kms:EncryptionContext:SecretARN': managedSecretArns(partition, region, account) },
          ArnLike: { 'aws:PrincipalArn': rotationRole },
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
