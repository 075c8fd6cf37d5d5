/**
 * No path from the rotation role to a stored key, proven by policy simulation (@cloud-copilot/iam-simulate
 * evaluates identity, resource and KMS key policies) over the policies the stack actually generates: the
 * role's inline policy and the KMS key policy recorded under setMocks, and the per-secret resource policy the
 * executor writes (core/rotation ownerOnlyPolicy: owner only, by unique ID).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { OWNER_ID_TAG } from '../../../core/aws/permissions.js';
import { ownerOnlyPolicy } from '../../../core/rotation/index.js';
import { MOCK_ACCOUNT, MOCK_REGION } from '../../support/pulumi-program.js';
import {
  type Decision,
  type Document,
  generatedPolicies,
  KEY_ARN,
  decide as simulate,
} from './generated-policies.js';

const ACCOUNT = MOCK_ACCOUNT;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/keywarden-rotation-function`;
const SECRETS_MANAGER = `secretsmanager.${MOCK_REGION}.amazonaws.com`;

interface User {
  arn: string;
  userId: string;
  name: string;
}
const alice: User = {
  arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
  userId: 'AIDAALICE000000000001',
  name: 'alice',
};
const bob: User = { arn: `arn:aws:iam::${ACCOUNT}:user/bob`, userId: 'AIDABOB00000000000002', name: 'bob' };
const secretOf = (user: User) =>
  `arn:aws:secretsmanager:${MOCK_REGION}:${ACCOUNT}:secret:keywarden/${ACCOUNT}/${user.name}-AbCdEf`;

interface Caller {
  arn: string;
  userId: string;
  identityPolicies: Document[];
}

let rolePolicy: Document;
let keyPolicy: Document;
let role: Caller;

function decide(
  caller: Caller,
  action: string,
  resource: string,
  resourcePolicy: Document | undefined,
  context: Record<string, string | string[]> = {},
): Promise<Decision> {
  return simulate({
    principal: caller.arn,
    identityPolicies: caller.identityPolicies,
    action,
    resource,
    resourcePolicy,
    context: { 'aws:userid': caller.userId, ...context },
  });
}

/** A secret bound to its owner: the owner-only policy is on it and it carries the owner tag. */
const owned = (user: User) => ({
  arn: secretOf(user),
  policy: ownerOnlyPolicy(user.arn, user.userId) as Document,
  tags: { [`aws:ResourceTag/${OWNER_ID_TAG}`]: user.userId },
});
const decryptThroughSecretsManager = (user: User) => ({
  'kms:ViaService': SECRETS_MANAGER,
  'kms:CallerAccount': ACCOUNT,
  'kms:EncryptionContext:SecretARN': secretOf(user),
});
const asUser = (user: User, identityPolicies: Document[] = []): Caller => ({
  arn: user.arn,
  userId: user.userId,
  identityPolicies,
});

describe('the rotation role and the stored keys, simulated over the generated policies', () => {
  beforeAll(async () => {
    ({ rolePolicy, keyPolicy } = await generatedPolicies());
    role = {
      arn: ROLE_ARN,
      userId: 'AROAROTATIONROLE0001:keywarden-rotation',
      identityPolicies: [rolePolicy],
    };
  }, 60_000);

  it('refuses the role PutResourcePolicy on a secret bound to its owner', async () => {
    const secret = owned(alice);

    expect(
      await decide(role, 'secretsmanager:PutResourcePolicy', secret.arn, secret.policy, secret.tags),
    ).not.toBe('Allowed');
  });

  it('refuses the role removing or replacing the owner tag, and DeleteResourcePolicy', async () => {
    const secret = owned(alice);
    const ownerKey = { 'aws:TagKeys': [OWNER_ID_TAG] };

    expect(
      await decide(role, 'secretsmanager:UntagResource', secret.arn, secret.policy, {
        ...secret.tags,
        ...ownerKey,
      }),
    ).not.toBe('Allowed');
    expect(
      await decide(role, 'secretsmanager:TagResource', secret.arn, secret.policy, {
        ...secret.tags,
        ...ownerKey,
      }),
    ).not.toBe('Allowed');
    expect(
      await decide(role, 'secretsmanager:DeleteResourcePolicy', secret.arn, secret.policy, secret.tags),
    ).not.toBe('Allowed');
  });

  it('refuses the role GetSecretValue, even on a new secret whose policy the role wrote to admit itself', async () => {
    // Prepare
    const secret = owned(alice);
    const admitsTheRole = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: ROLE_ARN },
          Action: 'secretsmanager:GetSecretValue',
          Resource: '*',
        },
      ],
    };

    // Act
    const onOwned = await decide(
      role,
      'secretsmanager:GetSecretValue',
      secret.arn,
      secret.policy,
      secret.tags,
    );
    const onNew = await decide(role, 'secretsmanager:GetSecretValue', secretOf(bob), admitsTheRole);

    // Assess
    expect(onOwned).not.toBe('Allowed');
    expect(onNew).toBe('ExplicitlyDenied');
  });

  it('lets the role decrypt only through Secrets Manager for a managed secret (writes need it), never directly, even with kms:* granted', async () => {
    // Prepare: the same role with every KMS action granted (the key policy alone must hold the line).
    const everyKmsAction = {
      ...role,
      identityPolicies: [
        { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] },
      ],
    };
    const direct = { 'kms:CallerAccount': ACCOUNT };
    const otherSecret = {
      ...decryptThroughSecretsManager(alice),
      'kms:EncryptionContext:SecretARN': `arn:aws:secretsmanager:${MOCK_REGION}:${ACCOUNT}:secret:other/x-AbCdEf`,
    };

    // Act
    const forWrite = await decide(
      role,
      'kms:Decrypt',
      KEY_ARN,
      keyPolicy,
      decryptThroughSecretsManager(alice),
    );
    const directly = await decide(role, 'kms:Decrypt', KEY_ARN, keyPolicy, direct);
    const forOther = await decide(role, 'kms:Decrypt', KEY_ARN, keyPolicy, otherSecret);
    const forOtherEvenIfGranted = await decide(
      everyKmsAction,
      'kms:Decrypt',
      KEY_ARN,
      keyPolicy,
      otherSecret,
    );

    // Assess: the write path is open; reading stays closed because GetSecretValue is denied (tests above).
    expect(forWrite).toBe('Allowed');
    expect(directly).toBe('ExplicitlyDenied');
    expect(forOther).toBe('ExplicitlyDenied');
    expect(forOtherEvenIfGranted).toBe('ExplicitlyDenied');
  });

  it('refuses Secrets Manager decryption to a principal of the account that has no grant at all', async () => {
    // Prepare: any role of the account, with no IAM policy (the key policy alone would have to allow it).
    const anyRole: Caller = {
      arn: `arn:aws:iam::${ACCOUNT}:role/some-workload`,
      userId: 'AROASOMEWORKLOAD0001:session',
      identityPolicies: [],
    };

    // Act
    const decision = await decide(
      anyRole,
      'kms:Decrypt',
      KEY_ARN,
      keyPolicy,
      decryptThroughSecretsManager(alice),
    );

    // Assess
    expect(decision).not.toBe('Allowed');
  });

  it('leaves the role every call of the rotation on an owned secret, and none that changes who can read it', async () => {
    // Prepare: every Secrets Manager action the role's policy allows anywhere, plus the ones an attacker wants.
    const secret = owned(alice);
    const named = rolePolicy.Statement.flatMap((statement) => {
      const s = statement as { Effect: string; Action: string | string[] };
      return s.Effect === 'Allow' ? [s.Action].flat() : [];
    }).filter((action) => action.startsWith('secretsmanager:') && action !== 'secretsmanager:CreateSecret');
    const actions = [
      ...new Set([
        ...named,
        'secretsmanager:GetSecretValue',
        'secretsmanager:DeleteResourcePolicy',
        'secretsmanager:UntagResource',
        'secretsmanager:UpdateSecret',
        'secretsmanager:DeleteSecret',
      ]),
    ].sort();

    // Act: each call on the owned secret, tagging with the owner key (the only tag that matters).
    const allowed: string[] = [];
    for (const action of actions) {
      const tagKeys: Record<string, string[]> = /Tag/.test(action) ? { 'aws:TagKeys': [OWNER_ID_TAG] } : {};
      const decision = await decide(role, action, secret.arn, secret.policy, { ...secret.tags, ...tagKeys });
      if (decision === 'Allowed') allowed.push(action);
    }
    const stateTags = await decide(role, 'secretsmanager:TagResource', secret.arn, secret.policy, {
      ...secret.tags,
      'aws:TagKeys': ['keywarden:pending'],
    });

    // Assess: what stays allowed writes a value or state, never a policy or the owner: the state is closed.
    expect(allowed).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:PutSecretValue',
      // which stored version is current (the compare-and-swap of a store): a value's state, not who reads it
      'secretsmanager:UpdateSecretVersionStage',
    ]);
    expect(stateTags).toBe('Allowed');
  });

  it('lets the role bind a new secret: PutResourcePolicy and the owner tag while the secret has no owner', async () => {
    expect(await decide(role, 'secretsmanager:PutResourcePolicy', secretOf(bob), undefined)).toBe('Allowed');
    expect(
      await decide(role, 'secretsmanager:TagResource', secretOf(bob), undefined, {
        'aws:TagKeys': [OWNER_ID_TAG, 'keywarden:user'],
      }),
    ).toBe('Allowed');
  });

  it('lets the owner read their own secret and decrypt it through Secrets Manager', async () => {
    const secret = owned(alice);

    expect(
      await decide(asUser(alice), 'secretsmanager:GetSecretValue', secret.arn, secret.policy, secret.tags),
    ).toBe('Allowed');
    expect(
      await decide(asUser(alice), 'kms:Decrypt', KEY_ARN, keyPolicy, decryptThroughSecretsManager(alice)),
    ).toBe('Allowed');
  });

  it("refuses another user the owner's secret, even one whose IAM policy allows every secret", async () => {
    // Prepare
    const secret = owned(alice);
    const everySecret = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }],
    };

    // Act
    const decision = await decide(
      asUser(bob, [everySecret]),
      'secretsmanager:GetSecretValue',
      secret.arn,
      secret.policy,
      secret.tags,
    );

    // Assess
    expect(decision).toBe('ExplicitlyDenied');
  });

  it('lets Decrypt through Secrets Manager reach only managed secrets', async () => {
    const elsewhere = {
      'kms:ViaService': SECRETS_MANAGER,
      'kms:CallerAccount': ACCOUNT,
      'kms:EncryptionContext:SecretARN': `arn:aws:secretsmanager:${MOCK_REGION}:${ACCOUNT}:secret:other/x-AbCdEf`,
    };

    expect(await decide(asUser(alice), 'kms:Decrypt', KEY_ARN, keyPolicy, elsewhere)).not.toBe('Allowed');
  });
});
