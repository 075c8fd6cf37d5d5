/**
 * The IAM permissions each keywarden operation needs, in one list (Cloud Custodian's model: each action
 * declares what it needs). `keywarden doctor` simulates exactly these for the caller, and the rotation
 * stack builds its role's policy from them, so the two cannot drift apart.
 */

/** Where a permission applies; `policyFor` turns these into ARNs. */
export type ResourceKind =
  | 'any'
  | 'iam-user'
  | 'managed-secret'
  | 'kms-key'
  | 'notice-topic'
  | 'trail-bucket'
  | 'trail-object';

export interface Permission {
  action: string;
  resource: ResourceKind;
  /** Why keywarden calls it (shown by doctor when it is missing). */
  why: string;
}

export const OPERATION_NAMES = ['audit', 'rotate', 'trail-s3', 'doctor'] as const;
export type OperationName = (typeof OPERATION_NAMES)[number];

export const PERMISSIONS: Readonly<Record<OperationName, readonly Permission[]>> = {
  audit: [
    { action: 'iam:GenerateCredentialReport', resource: 'any', why: 'generate the credential report' },
    { action: 'iam:GetCredentialReport', resource: 'any', why: 'read the credential report' },
    { action: 'iam:ListUsers', resource: 'any', why: 'list IAM users' },
    { action: 'iam:ListAccessKeys', resource: 'iam-user', why: 'list a user’s access keys' },
    { action: 'iam:GetAccessKeyLastUsed', resource: 'iam-user', why: 'see when a key was last used' },
    { action: 'iam:ListUserTags', resource: 'iam-user', why: 'read user tags (rotation scope)' },
  ],
  rotate: [
    { action: 'sts:GetCallerIdentity', resource: 'any', why: 'name the account and the actor in the trail' },
    { action: 'iam:ListUsers', resource: 'any', why: 'find the users in rotation scope' },
    { action: 'iam:GetUser', resource: 'iam-user', why: 'check the user exists and read its tags' },
    { action: 'iam:ListUserTags', resource: 'iam-user', why: 'read the rotation scope tag' },
    { action: 'iam:ListAccessKeys', resource: 'iam-user', why: 'list a user’s access keys' },
    {
      action: 'iam:GetAccessKeyLastUsed',
      resource: 'iam-user',
      why: 'see whether the old key is still in use',
    },
    { action: 'iam:CreateAccessKey', resource: 'iam-user', why: 'create the replacement key' },
    { action: 'iam:UpdateAccessKey', resource: 'iam-user', why: 'deactivate the old key' },
    {
      action: 'iam:DeleteAccessKey',
      resource: 'iam-user',
      why: 'delete the old key (and an unstored new one)',
    },
    {
      action: 'secretsmanager:DescribeSecret',
      resource: 'managed-secret',
      why: 'read rotation state (never the value)',
    },
    {
      action: 'secretsmanager:CreateSecret',
      resource: 'managed-secret',
      why: 'create keywarden/<account>/<user>',
    },
    { action: 'secretsmanager:PutSecretValue', resource: 'managed-secret', why: 'store the new key' },
    {
      action: 'secretsmanager:PutResourcePolicy',
      resource: 'managed-secret',
      why: 'let only the user read it',
    },
    {
      action: 'secretsmanager:TagResource',
      resource: 'managed-secret',
      why: 'record rotation state on the secret',
    },
    { action: 'kms:GenerateDataKey', resource: 'kms-key', why: 'encrypt the secret with the configured key' },
    { action: 'kms:Decrypt', resource: 'kms-key', why: 'Secrets Manager checks the data key on write' },
    { action: 'sns:Publish', resource: 'notice-topic', why: 'notify owners and the security team' },
  ],
  'trail-s3': [
    { action: 's3:ListBucket', resource: 'trail-bucket', why: 'find the last trail record' },
    {
      action: 's3:ListBucketVersions',
      resource: 'trail-bucket',
      why: 'see every version and delete marker of the trail records (never write a seq that has one)',
    },
    { action: 's3:GetObject', resource: 'trail-object', why: 'read trail records' },
    { action: 's3:GetObjectVersion', resource: 'trail-object', why: "read each record's original version" },
    { action: 's3:PutObject', resource: 'trail-object', why: 'write trail records' },
    { action: 's3:PutObjectRetention', resource: 'trail-object', why: 'lock each record (COMPLIANCE)' },
  ],
  doctor: [
    { action: 'iam:SimulatePrincipalPolicy', resource: 'any', why: 'check the caller’s own permissions' },
  ],
};

/** The distinct actions of some operations, sorted. */
export function actionsFor(...operations: OperationName[]): string[] {
  return [...new Set(operations.flatMap((operation) => PERMISSIONS[operation].map((p) => p.action)))].sort();
}

export interface PolicyTargets {
  partition?: string;
  account: string;
  /** Secrets Manager region of the managed secrets. */
  region: string;
  /** KMS key ARN of the secrets; omitted = the AWS-managed key (no kms statements). */
  kmsKeyArn?: string | undefined;
  topicArn?: string | undefined;
  trailBucket?: string | undefined;
  trailPrefix?: string | undefined;
  /** Limit key actions to users carrying the scope tag. */
  scope?: { tagKey: string; tagValue: string } | undefined;
}

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string>>;
}

/** Managed secret names: `keywarden/<account-id>/<user>` (see core/rotation). */
export const SECRET_PREFIX = 'keywarden/';

/** A least-privilege identity policy for `operations`, resources narrowed to what keywarden touches. */
export function policyFor(operations: OperationName[], targets: PolicyTargets): PolicyStatement[] {
  const partition = targets.partition ?? 'aws';
  const arns: Record<ResourceKind, string[]> = {
    any: ['*'],
    'iam-user': [`arn:${partition}:iam::${targets.account}:user/*`],
    'managed-secret': [
      `arn:${partition}:secretsmanager:${targets.region}:${targets.account}:secret:${SECRET_PREFIX}${targets.account}/*`,
    ],
    'kms-key': targets.kmsKeyArn ? [targets.kmsKeyArn] : [],
    'notice-topic': targets.topicArn ? [targets.topicArn] : [],
    'trail-bucket': targets.trailBucket ? [`arn:${partition}:s3:::${targets.trailBucket}`] : [],
    'trail-object': targets.trailBucket
      ? [`arn:${partition}:s3:::${targets.trailBucket}/${targets.trailPrefix ?? 'trail/'}*`]
      : [],
  };
  const byResource = new Map<ResourceKind, Set<string>>();
  for (const operation of operations) {
    for (const permission of PERMISSIONS[operation]) {
      if (arns[permission.resource].length === 0) continue;
      byResource.set(
        permission.resource,
        (byResource.get(permission.resource) ?? new Set()).add(permission.action),
      );
    }
  }
  const keyMutations = new Set(['iam:CreateAccessKey', 'iam:UpdateAccessKey', 'iam:DeleteAccessKey']);
  const statements: PolicyStatement[] = [];
  for (const [resource, actions] of byResource) {
    const sorted = [...actions].sort();
    const mutating =
      resource === 'iam-user' && targets.scope ? sorted.filter((a) => keyMutations.has(a)) : [];
    const rest = sorted.filter((a) => !mutating.includes(a));
    const sid = resource.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
    if (rest.length > 0)
      statements.push({ Sid: sid, Effect: 'Allow', Action: rest, Resource: arns[resource] });
    if (mutating.length > 0 && targets.scope) {
      statements.push({
        Sid: `${sid}KeysInScope`,
        Effect: 'Allow',
        Action: mutating,
        Resource: arns[resource],
        Condition: { StringEquals: { [`iam:ResourceTag/${targets.scope.tagKey}`]: targets.scope.tagValue } },
      });
    }
  }
  return statements;
}
