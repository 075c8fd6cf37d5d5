/**
 * The IAM permissions each keywarden operation needs, in one list (Cloud Custodian's model: each action
 * declares what it needs). `keywarden doctor` simulates exactly these for the caller, and the rotation
 * stack builds its role's policy from them, so the two cannot drift apart.
 */
import { KMS_KEY_ARN } from './arn.js';
import type { PolicyCondition, PolicyStatement } from './iam-policy.js';

/** Where a permission applies; `policyFor` turns these into ARNs. */
export type ResourceKind =
  | 'any'
  | 'iam-user'
  | 'managed-secret'
  | 'kms-key'
  | 'notice-topic'
  | 'trail-bucket'
  | 'trail-object'
  | 'trail-signing-key'
  | 'lease-bucket'
  | 'lease-object';

/**
 * What narrows a grant beyond its resource; `policyFor` turns each into an IAM condition. Permissions with the
 * same resource and the same condition share a statement.
 * - `enrolled-user`: only IAM users carrying the rotation scope tag (when a scope is given).
 * - `unowned-secret`: only a secret that has no `keywarden:owner-id` tag yet (it was just created).
 * - `state-tags`: any tag but `keywarden:owner-id` (rotation state on a secret that already has an owner).
 * - `via-sns`: only when SNS uses the key on keywarden's behalf (publishing to the encrypted topic).
 * - `via-secrets-manager`: only when Secrets Manager uses the key for a managed secret (SecretARN context).
 */
export type GrantCondition =
  | 'enrolled-user'
  | 'unowned-secret'
  | 'state-tags'
  | 'via-sns'
  | 'via-secrets-manager';

export interface Permission {
  action: string;
  resource: ResourceKind;
  /** Why keywarden calls it (shown by doctor when it is missing). */
  why: string;
  condition?: GrantCondition;
}

/**
 * The tag that binds a managed secret to its owner's unique ID (AIDA…). Once a secret carries it, the
 * rotation role can no longer change the secret's resource policy, nor this tag: that is what keeps the
 * role from ever granting itself (or anyone) a read of a stored key.
 */
export const OWNER_ID_TAG = 'keywarden:owner-id';

/** The access-key mutations: the rotation performs them, only on enrolled users; the policy pack checks each. */
export const KEY_MUTATING_ACTIONS = [
  'iam:CreateAccessKey',
  'iam:UpdateAccessKey',
  'iam:DeleteAccessKey',
] as const;

/** The one action a trail signer needs (KMS Sign on the signing key only; see `signGrantBreach`). */
export const TRAIL_SIGN_ACTION = 'kms:Sign';

export const OPERATION_NAMES = [
  'audit',
  'rotate',
  'trail-read',
  'trail-s3',
  'trail-sign',
  'trail-signature-check',
  'doctor',
  'consumers',
] as const;
export type OperationName = (typeof OPERATION_NAMES)[number];

/** Reading and verifying an S3 trail (`trail verify`, evidence, each account's trail through its member role). */
const TRAIL_READ: readonly Permission[] = [
  { action: 's3:ListBucket', resource: 'trail-bucket', why: 'find the last trail record' },
  {
    action: 's3:ListBucketVersions',
    resource: 'trail-bucket',
    why: 'see every version and delete marker of the trail records (never write a seq that has one)',
  },
  { action: 's3:GetObject', resource: 'trail-object', why: 'read trail records' },
  { action: 's3:GetObjectVersion', resource: 'trail-object', why: "read each record's original version" },
];

export const PERMISSIONS: Readonly<Record<OperationName, readonly Permission[]>> = {
  audit: [
    { action: 'iam:GenerateCredentialReport', resource: 'any', why: 'generate the credential report' },
    { action: 'iam:GetCredentialReport', resource: 'any', why: 'read the credential report' },
    { action: 'iam:ListUsers', resource: 'any', why: 'list IAM users' },
    { action: 'iam:ListAccessKeys', resource: 'iam-user', why: 'list a user’s access keys' },
    { action: 'iam:GetAccessKeyLastUsed', resource: 'iam-user', why: 'see when a key was last used' },
    { action: 'iam:ListUserTags', resource: 'iam-user', why: 'read user tags (rotation scope)' },
    {
      action: 'iam:ListAttachedUserPolicies',
      resource: 'iam-user',
      why: 'see whether AWS quarantined a user for an exposed key (AWSCompromisedKeyQuarantine*)',
    },
    {
      action: 'iam:ListEntitiesForPolicy',
      resource: 'any',
      why: 'find the users AWS quarantined, account-wide (who carries AWSCompromisedKeyQuarantine*)',
    },
  ],
  rotate: [
    { action: 'sts:GetCallerIdentity', resource: 'any', why: 'name the account and the actor in the trail' },
    { action: 'iam:ListUsers', resource: 'any', why: 'find the users in rotation scope' },
    { action: 'iam:GetUser', resource: 'iam-user', why: 'check the user exists and read its tags' },
    { action: 'iam:ListUserTags', resource: 'iam-user', why: 'read the rotation scope tag' },
    { action: 'iam:ListAccessKeys', resource: 'iam-user', why: 'list a user’s access keys' },
    {
      action: 'iam:ListAttachedUserPolicies',
      resource: 'iam-user',
      why: 'replace at once a key AWS quarantined as exposed (AWSCompromisedKeyQuarantine*)',
    },
    {
      action: 'iam:GetAccessKeyLastUsed',
      resource: 'iam-user',
      why: 'see whether the old key is still in use',
    },
    {
      action: 'iam:CreateAccessKey',
      resource: 'iam-user',
      why: 'create the replacement key',
      condition: 'enrolled-user',
    },
    {
      action: 'iam:UpdateAccessKey',
      resource: 'iam-user',
      why: 'deactivate the old key',
      condition: 'enrolled-user',
    },
    {
      action: 'iam:DeleteAccessKey',
      resource: 'iam-user',
      why: 'delete the old key (and an unstored new one)',
      condition: 'enrolled-user',
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
    {
      action: 'secretsmanager:PutSecretValue',
      resource: 'managed-secret',
      why: 'write the new key under its own stage (and a new secret’s placeholder)',
    },
    {
      action: 'secretsmanager:UpdateSecretVersionStage',
      resource: 'managed-secret',
      why: 'make the new key current only if the stored one is still the one read (compare-and-swap)',
    },
    {
      action: 'secretsmanager:PutResourcePolicy',
      resource: 'managed-secret',
      why: 'let only the user read it (only before the secret is bound to its owner)',
      condition: 'unowned-secret',
    },
    {
      action: 'secretsmanager:TagResource',
      resource: 'managed-secret',
      why: `bind a new secret to its owner (${OWNER_ID_TAG}, keywarden:user)`,
      condition: 'unowned-secret',
    },
    {
      action: 'secretsmanager:TagResource',
      resource: 'managed-secret',
      why: 'record rotation state on the secret',
      condition: 'state-tags',
    },
    { action: 'kms:GenerateDataKey', resource: 'kms-key', why: 'encrypt the secret with the configured key' },
    {
      // AWS: writing a value under a customer-managed key needs GenerateDataKey AND Decrypt of the caller.
      // It never yields a stored value: GetSecretValue stays denied (SECRET_BOUNDARY).
      action: 'kms:Decrypt',
      resource: 'kms-key',
      why: 'store the new key (Secrets Manager needs it with GenerateDataKey to write a value)',
      condition: 'via-secrets-manager',
    },
    {
      action: 'kms:Decrypt',
      resource: 'kms-key',
      why: 'publish to the encrypted notice topic',
      condition: 'via-sns',
    },
    { action: 'sns:Publish', resource: 'notice-topic', why: 'notify owners and the security team' },
    {
      action: 's3:PutObject',
      resource: 'lease-object',
      why: 'take, renew and release a user’s lease (conditional writes: If-None-Match, If-Match)',
    },
    { action: 's3:GetObject', resource: 'lease-object', why: 'see who holds a user’s lease, and until when' },
    {
      action: 's3:ListBucket',
      resource: 'lease-bucket',
      why: 'tell a lease nobody took yet (404) from a refused read (403)',
    },
  ],
  'trail-read': TRAIL_READ,
  'trail-s3': [
    ...TRAIL_READ,
    { action: 's3:PutObject', resource: 'trail-object', why: 'write trail records' },
    { action: 's3:PutObjectRetention', resource: 'trail-object', why: 'lock each record (COMPLIANCE)' },
  ],
  // Signed trails: Sign on the one signing key (the rotation function gets nothing else of it); the public half
  // is read where signatures are checked (trail verify, evidence, doctor).
  'trail-sign': [
    {
      action: TRAIL_SIGN_ACTION,
      resource: 'trail-signing-key',
      why: "sign each trail record (ECDSA_SHA_256 over the record's hash)",
    },
  ],
  'trail-signature-check': [
    {
      action: 'kms:GetPublicKey',
      resource: 'trail-signing-key',
      why: "read the signing key's public half to check the trail's signatures",
    },
  ],
  doctor: [
    { action: 'iam:SimulatePrincipalPolicy', resource: 'any', why: 'check the caller’s own permissions' },
  ],
  // Read-only. `keywarden consumers`, and the consumers named in notices, issue bodies and evidence, where a
  // missing grant is said in one line (never a failed run).
  consumers: [
    { action: 'iam:ListAccessKeys', resource: 'iam-user', why: 'list a user’s access keys' },
    {
      action: 'iam:GetAccessKeyLastUsed',
      resource: 'iam-user',
      why: 'see when, in which service and region a key was last used',
    },
    {
      // LookupEvents has no resource-level permissions: its resource is always "*".
      action: 'cloudtrail:LookupEvents',
      resource: 'any',
      why: 'name the consumers of a key (CloudTrail event history, by AccessKeyId)',
    },
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
  /** The S3 trail: its bucket and the prefix of its records (the caller resolves the default: the policy's). */
  trail?: { bucket: string; prefix: string } | undefined;
  /** The KMS key that signs trail records (ECC_NIST_P256, SIGN_VERIFY); omitted = unsigned trail, no kms:Sign. */
  trailSigningKeyArn?: string | undefined;
  /** The lease bucket (no Object Lock) and the prefix of its lease objects. */
  lease?: { bucket: string; prefix: string } | undefined;
  /** Limit key actions to users carrying the scope tag. */
  scope?: { tagKey: string; tagValue: string } | undefined;
}

/** A statement of `policyFor`: its actions and resources always listed. */
type GrantStatement = PolicyStatement & { Action: string[]; Resource: string[] };

/** Managed secret names: `keywarden/<account-id>/<user>` (see core/rotation). */
export const SECRET_PREFIX = 'keywarden/';

/**
 * What no keywarden identity may ever do, whatever else is attached to it: read a stored value, change the
 * resource policy or the owner tag of a secret that is bound to its owner, or decrypt with the key other than
 * through Secrets Manager for a managed secret (which writing a value needs) or SNS.
 * `policyFor` adds these as explicit denies to every policy that can write secrets, so that a grant added
 * later (an attached managed policy, a resource policy the role wrote on a new secret) cannot open a path.
 */
export const SECRET_BOUNDARY: readonly {
  sid: string;
  actions: string[];
  resource: 'managed-secret' | 'kms-key';
  condition: (targets: PolicyTargets) => PolicyCondition | undefined;
  why: string;
}[] = [
  {
    sid: 'NeverReadStoredKeys',
    actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DeleteResourcePolicy'],
    resource: 'managed-secret',
    condition: () => undefined,
    why: 'only the owner reads a stored key, and its resource policy is never removed',
  },
  {
    sid: 'NeverRewriteAnOwnedSecretsPolicy',
    actions: ['secretsmanager:PutResourcePolicy'],
    resource: 'managed-secret',
    condition: () => ({ Null: { [`aws:ResourceTag/${OWNER_ID_TAG}`]: 'false' } }),
    why: 'a secret bound to its owner keeps the policy that admits only that owner',
  },
  {
    sid: 'NeverRemoveTheOwnerTag',
    actions: ['secretsmanager:UntagResource'],
    resource: 'managed-secret',
    condition: () => ({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': [OWNER_ID_TAG] } }),
    why: 'removing the owner tag would reopen the resource policy',
  },
  {
    sid: 'NeverReplaceTheOwnerTag',
    actions: ['secretsmanager:TagResource'],
    resource: 'managed-secret',
    condition: () => ({
      Null: { [`aws:ResourceTag/${OWNER_ID_TAG}`]: 'false' },
      'ForAnyValue:StringEquals': { 'aws:TagKeys': [OWNER_ID_TAG] },
    }),
    why: 'the owner of a secret is set once',
  },
  {
    sid: 'NeverDecryptStoredKeys',
    actions: ['kms:Decrypt'],
    resource: 'kms-key',
    condition: (targets) => ({
      StringNotEquals: {
        'kms:ViaService': [secretsManagerService(targets.region), `sns.${targets.region}.amazonaws.com`],
      },
    }),
    why: 'decrypting directly, or through any service but Secrets Manager (writes) and SNS (notices), is never needed',
  },
  {
    sid: 'NeverDecryptOtherSecrets',
    actions: ['kms:Decrypt'],
    resource: 'kms-key',
    condition: (targets) => ({
      StringEquals: { 'kms:ViaService': secretsManagerService(targets.region) },
      StringNotLike: {
        'kms:EncryptionContext:SecretARN': managedSecretArns(
          targets.partition ?? 'aws',
          targets.region,
          targets.account,
        ),
      },
    }),
    why: 'through Secrets Manager the key serves only the managed secrets',
  },
];

/** The service name KMS sees (kms:ViaService) when Secrets Manager of `region` uses a key. */
export const secretsManagerService = (region: string) => `secretsmanager.${region}.amazonaws.com`;

/** The ARN pattern of every managed secret of an account (each ends in Secrets Manager's random suffix). */
export function managedSecretArns(partition: string, region: string, account: string): string {
  return `arn:${partition}:secretsmanager:${region}:${account}:secret:${SECRET_PREFIX}${account}/*`;
}

const SID_SUFFIX: Record<GrantCondition, string> = {
  'enrolled-user': 'KeysInScope',
  'unowned-secret': 'NotYetOwned',
  'state-tags': 'StateTags',
  'via-sns': 'ViaNoticeTopic',
  'via-secrets-manager': 'ViaSecretsManager',
};

function conditionOf(condition: GrantCondition, targets: PolicyTargets): PolicyCondition | undefined {
  switch (condition) {
    case 'enrolled-user':
      return targets.scope
        ? { StringEquals: { [`iam:ResourceTag/${targets.scope.tagKey}`]: targets.scope.tagValue } }
        : undefined;
    case 'unowned-secret':
      return { Null: { [`aws:ResourceTag/${OWNER_ID_TAG}`]: 'true' } };
    case 'state-tags':
      return { 'ForAllValues:StringNotEquals': { 'aws:TagKeys': [OWNER_ID_TAG] } };
    case 'via-sns':
      return { StringEquals: { 'kms:ViaService': `sns.${targets.region}.amazonaws.com` } };
    case 'via-secrets-manager':
      return {
        StringEquals: { 'kms:ViaService': secretsManagerService(targets.region) },
        StringLike: {
          'kms:EncryptionContext:SecretARN': managedSecretArns(
            targets.partition ?? 'aws',
            targets.region,
            targets.account,
          ),
        },
      };
  }
}

/**
 * A least-privilege identity policy for `operations`, resources narrowed to what keywarden touches, each
 * conditioned grant in its own statement; a policy that may write secrets also carries SECRET_BOUNDARY.
 */
export function policyFor(operations: OperationName[], targets: PolicyTargets): GrantStatement[] {
  const partition = targets.partition ?? 'aws';
  const arns: Record<ResourceKind, string[]> = {
    any: ['*'],
    'iam-user': [`arn:${partition}:iam::${targets.account}:user/*`],
    'managed-secret': [managedSecretArns(partition, targets.region, targets.account)],
    'kms-key': targets.kmsKeyArn ? [targets.kmsKeyArn] : [],
    'notice-topic': targets.topicArn ? [targets.topicArn] : [],
    'trail-bucket': targets.trail ? [`arn:${partition}:s3:::${targets.trail.bucket}`] : [],
    'trail-object': targets.trail
      ? [`arn:${partition}:s3:::${targets.trail.bucket}/${targets.trail.prefix}*`]
      : [],
    'trail-signing-key': targets.trailSigningKeyArn ? [targets.trailSigningKeyArn] : [],
    'lease-bucket': targets.lease ? [`arn:${partition}:s3:::${targets.lease.bucket}`] : [],
    'lease-object': targets.lease
      ? [`arn:${partition}:s3:::${targets.lease.bucket}/${targets.lease.prefix}*`]
      : [],
  };
  const sidOf = (resource: ResourceKind) =>
    resource.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
  // One statement per (resource, condition), in the order the list first names them.
  const groups = new Map<string, GrantStatement>();
  for (const operation of operations) {
    for (const permission of PERMISSIONS[operation]) {
      if (arns[permission.resource].length === 0) continue;
      const condition = permission.condition && conditionOf(permission.condition, targets);
      const sid =
        sidOf(permission.resource) +
        (condition && permission.condition ? SID_SUFFIX[permission.condition] : '');
      const statement = groups.get(sid) ?? {
        Sid: sid,
        Effect: 'Allow' as const,
        Action: [],
        Resource: arns[permission.resource],
        ...(condition ? { Condition: condition } : {}),
      };
      if (!statement.Action.includes(permission.action)) statement.Action.push(permission.action);
      groups.set(sid, statement);
    }
  }
  const statements = [...groups.values()].map((statement) => ({
    ...statement,
    Action: [...statement.Action].sort(),
  }));
  const writesSecrets = statements.some((statement) =>
    statement.Action.includes('secretsmanager:PutSecretValue'),
  );
  if (!writesSecrets) return statements;
  const boundary = SECRET_BOUNDARY.filter((rule) => arns[rule.resource].length > 0).map(
    (rule): GrantStatement => {
      const condition = rule.condition(targets);
      return {
        Sid: rule.sid,
        Effect: 'Deny',
        Action: rule.actions,
        Resource: arns[rule.resource],
        ...(condition ? { Condition: condition } : {}),
      };
    },
  );
  return [...statements, ...boundary];
}

const lower = (condition: PolicyCondition | undefined) =>
  Object.fromEntries(
    Object.entries(condition ?? {}).map(([operator, keys]) => [
      operator.toLowerCase(),
      Object.fromEntries(Object.entries(keys).map(([key, value]) => [key.toLowerCase(), [value].flat()])),
    ]),
  ) as Record<string, Record<string, string[]>>;

const OWNER_TAG_KEYS = [`aws:resourcetag/${OWNER_ID_TAG}`, `secretsmanager:resourcetag/${OWNER_ID_TAG}`];

/** The condition holds only while the secret has no owner tag. */
function onlyUnowned(condition: PolicyCondition | undefined): boolean {
  const nulls = lower(condition)['null'] ?? {};
  return OWNER_TAG_KEYS.some((key) => nulls[key]?.length === 1 && nulls[key]?.[0] === 'true');
}

/** The condition excludes the owner tag from the tag keys of the request. */
function neverTheOwnerTag(condition: PolicyCondition | undefined): boolean {
  const keys = lower(condition)['forallvalues:stringnotequals']?.['aws:tagkeys'] ?? [];
  return keys.includes(OWNER_ID_TAG);
}

/**
 * Why allowing `action` (a concrete action) under `condition` would give a keywarden identity a path to a
 * stored key — the rule SECRET_BOUNDARY enforces, as a check of someone else's policy; null when it cannot.
 */
export function secretBoundaryBreach(action: string, condition: PolicyCondition | undefined): string | null {
  switch (action.toLowerCase()) {
    case 'secretsmanager:getsecretvalue':
      return 'reads stored keys: only their owners may (each secret’s resource policy admits its owner)';
    case 'secretsmanager:deleteresourcepolicy':
      return 'removes the resource policy that admits only the owner';
    case 'secretsmanager:putresourcepolicy':
      return onlyUnowned(condition)
        ? null
        : `rewrites the resource policy of a secret bound to its owner: add the condition Null {"aws:ResourceTag/${OWNER_ID_TAG}": "true"}`;
    case 'secretsmanager:untagresource':
      return neverTheOwnerTag(condition)
        ? null
        : `removes the owner tag, which reopens the resource policy: add the condition ForAllValues:StringNotEquals {"aws:TagKeys": ["${OWNER_ID_TAG}"]}`;
    case 'secretsmanager:tagresource':
      return onlyUnowned(condition) || neverTheOwnerTag(condition)
        ? null
        : `replaces the owner tag of a secret bound to its owner: allow it only while Null {"aws:ResourceTag/${OWNER_ID_TAG}": "true"}, or with ForAllValues:StringNotEquals {"aws:TagKeys": ["${OWNER_ID_TAG}"]}`;
    case 'kms:decrypt': {
      const lowered = lower(condition);
      const via = lowered['stringequals']?.['kms:viaservice'] ?? [];
      if (via.length > 0 && via.every((service) => !service.startsWith('secretsmanager.'))) return null;
      // Through Secrets Manager only for managed secrets: what writing a value needs; reading stays
      // impossible while GetSecretValue is denied (the role's own Deny, checked with the document).
      const secretArns = [
        ...(lowered['stringlike']?.['kms:encryptioncontext:secretarn'] ?? []),
        ...(lowered['stringequals']?.['kms:encryptioncontext:secretarn'] ?? []),
      ];
      const managedOnly = secretArns.length > 0 && secretArns.every((arn) => /:secret:keywarden\//.test(arn));
      return via.length > 0 && via.every((service) => service.startsWith('secretsmanager.')) && managedOnly
        ? null
        : `decrypts stored keys: limit it with StringEquals {"kms:ViaService": "sns.<region>.amazonaws.com"}, or to writing managed secrets with StringEquals {"kms:ViaService": "secretsmanager.<region>.amazonaws.com"} and StringLike {"kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:<region>:<account-id>:secret:${SECRET_PREFIX}<account-id>/*"}`;
    }
    default:
      return null;
  }
}

/**
 * Why allowing kms:Sign on `resources` would let its holder sign more than trail records with the trail's key
 * (another key's signatures forge another trail, or anything else that key vouches for); null when every
 * resource is one named KMS key. The rotation role's grant is checked with it (policy pack).
 */
export function signGrantBreach(resources: readonly string[]): string | null {
  const broad = resources.filter((resource) => !KMS_KEY_ARN.test(resource));
  if (resources.length > 0 && broad.length === 0) return null;
  return `on ${broad.map((r) => `"${r}"`).join(', ') || 'no named resource'}: limit Resource to the trail signing key's ARN (arn:aws:kms:<region>:<account-id>:key/<key-id>)`;
}

/** The actions whose grant `secretBoundaryBreach` judges. */
export const SECRET_BOUNDARY_ACTIONS = [
  'secretsmanager:GetSecretValue',
  'secretsmanager:DeleteResourcePolicy',
  'secretsmanager:PutResourcePolicy',
  'secretsmanager:UntagResource',
  'secretsmanager:TagResource',
  'kms:Decrypt',
] as const;

/** What discovery calls, so the hub role's policy grants exactly these (stacks/audit-role). */
export const ORGANIZATION_READ_ACTIONS = [
  'organizations:DescribeOrganization',
  'organizations:ListAccounts',
  'organizations:ListAccountsForParent',
  'organizations:ListChildren',
] as const;
