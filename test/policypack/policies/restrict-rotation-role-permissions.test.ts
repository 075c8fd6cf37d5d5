import { describe, expect, it } from 'vitest';
import { restrictRotationRolePermissions } from '../../../policypack/policies/restrict-rotation-role-permissions.js';
import { UNKNOWN } from '../../support/policy-harness.js';
import {
  changing,
  compliantRolePolicy,
  compliantRotationStack,
  runStackPolicy,
  without,
} from '../fixtures.js';

type Statement = (typeof compliantRolePolicy.Statement)[number] & Record<string, unknown>;
const withStatements = (change: (statements: Statement[]) => unknown[]) =>
  changing(compliantRotationStack(), 'rotation-permissions', (p) => ({
    ...p,
    policy: JSON.stringify({
      ...compliantRolePolicy,
      Statement: change(structuredClone(compliantRolePolicy.Statement)),
    }),
  }));
const messages = (stack = compliantRotationStack()) =>
  runStackPolicy(restrictRotationRolePermissions, stack).violations.map((v) => v.message);
const prefix = 'RolePolicy "rotation-permissions" of the role of Function "rotation"';

describe('restrict-rotation-role-permissions', () => {
  it('accepts reads on every resource and key mutations limited to tagged users', () => {
    expect(messages()).toEqual([]);
  });

  it('rejects iam:* on every resource', () => {
    const stack = withStatements((s) => [...s, { Effect: 'Allow', Action: 'iam:*', Resource: '*' }]);

    expect(messages(stack)).toEqual([
      `${prefix} allows "iam:*" on every resource ("*"): list the exact actions the rotation needs.`,
      `${prefix} allows iam:CreateAccessKey, iam:UpdateAccessKey, iam:DeleteAccessKey on "*": limit Resource to IAM users (arn:aws:iam::<account-id>:user/*).`,
      `${prefix} allows iam:CreateAccessKey, iam:UpdateAccessKey, iam:DeleteAccessKey without the condition StringEquals {"aws:ResourceTag/keywarden:rotation": "enabled"}: add it so the function can change only the keys of enrolled users.`,
    ]);
  });

  it('rejects key mutations on every resource', () => {
    const stack = withStatements((s) => s.map((st, i) => (i === 1 ? { ...st, Resource: '*' } : st)));

    expect(messages(stack)).toEqual([expect.stringContaining('on "*": limit Resource to IAM users')]);
  });

  it('rejects key mutations without the enrolment-tag condition', () => {
    const stack = withStatements((s) => s.map((st, i) => (i === 1 ? { ...st, Condition: undefined } : st)));

    expect(messages(stack)).toEqual([expect.stringContaining('without the condition StringEquals')]);
  });

  it('rejects a condition on another tag value', () => {
    const stack = withStatements((s) =>
      s.map((st, i) =>
        i === 1
          ? { ...st, Condition: { StringEquals: { 'aws:ResourceTag/keywarden:rotation': 'disabled' } } }
          : st,
      ),
    );

    expect(messages(stack)).toHaveLength(1);
  });

  it('rejects NotAction, which allows everything not listed', () => {
    const stack = withStatements((s) => [
      ...s,
      { Effect: 'Allow', NotAction: 'iam:DeleteUser', Resource: '*' },
    ]);

    expect(messages(stack)).toEqual([expect.stringContaining('uses NotAction or NotResource')]);
  });

  it('rejects an attached AdministratorAccess', () => {
    const stack = changing(compliantRotationStack(), 'rotation-basic-execution', (a) => ({
      ...a,
      policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    }));

    expect(messages(stack)).toEqual([
      'RolePolicyAttachment "rotation-basic-execution" of the role of Function "rotation" attaches AdministratorAccess, which allows wildcard actions on every resource: attach a policy that names the actions the rotation needs.',
    ]);
  });

  it('rejects a document that is not IAM policy JSON', () => {
    const stack = changing(compliantRotationStack(), 'rotation-permissions', (p) => ({
      ...p,
      policy: 'not json',
    }));

    expect(messages(stack)).toEqual([expect.stringContaining('is not valid IAM policy JSON')]);
  });

  it('rejects a function whose role is not in the stack', () => {
    expect(messages(without(compliantRotationStack(), 'rotation-role'))).toEqual([
      'Function "rotation" runs as a role that is not part of the stack, so its permissions cannot be checked: define its aws.iam.Role in this stack.',
    ]);
  });

  it('defers to the analyzer when a policy document is unknown during preview', () => {
    const stack = changing(compliantRotationStack(), 'rotation-permissions', (p) => ({
      ...p,
      policy: UNKNOWN,
    }));

    expect(runStackPolicy(restrictRotationRolePermissions, stack).unknownValue).toContain('.policy');
  });

  describe('the path to a stored key', () => {
    const secrets = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:keywarden/*`;
    const adding = (statement: Record<string, unknown>) =>
      withStatements((s) => [...s, { Effect: 'Allow', Resource: secrets, ...statement }]);

    it('rejects a grant of GetSecretValue', () => {
      expect(messages(adding({ Action: 'secretsmanager:GetSecretValue' }))).toEqual([
        `${prefix} allows secretsmanager:GetSecretValue, which reads stored keys: only their owners may (each secret’s resource policy admits its owner).`,
      ]);
    });

    it('rejects PutResourcePolicy on secrets that already have an owner', () => {
      expect(messages(adding({ Action: 'secretsmanager:PutResourcePolicy' }))).toEqual([
        expect.stringContaining(
          'allows secretsmanager:PutResourcePolicy, which rewrites the resource policy of a secret bound to its owner',
        ),
      ]);
    });

    it('accepts PutResourcePolicy and TagResource only while the secret has no owner tag', () => {
      const stack = adding({
        Action: ['secretsmanager:PutResourcePolicy', 'secretsmanager:TagResource'],
        Condition: { Null: { 'aws:ResourceTag/keywarden:owner-id': 'true' } },
      });

      expect(messages(stack)).toEqual([]);
    });

    it('rejects secretsmanager:*, which includes every way to a stored key', () => {
      expect(messages(adding({ Action: 'secretsmanager:*' }))).toHaveLength(5);
    });

    it('rejects kms:Decrypt unless limited to SNS, or to Secrets Manager writing managed secrets', () => {
      const key = 'arn:aws:kms:eu-west-1:123456789012:key/k';
      const viaSns = { StringEquals: { 'kms:ViaService': 'sns.eu-west-1.amazonaws.com' } };
      const viaSecretsManager = {
        StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' },
      };
      const managedSecrets = {
        ...viaSecretsManager,
        StringLike: {
          'kms:EncryptionContext:SecretARN':
            'arn:aws:secretsmanager:eu-west-1:123456789012:secret:keywarden/123456789012/*',
        },
      };
      const decrypt = (Condition?: object) =>
        messages(adding({ Action: 'kms:Decrypt', Resource: key, Condition }));

      expect(decrypt()).toEqual([expect.stringContaining('allows kms:Decrypt, which decrypts stored keys')]);
      expect(decrypt(viaSecretsManager)).toEqual([
        expect.stringContaining('kms:EncryptionContext:SecretARN'),
      ]);
      expect(decrypt(viaSns)).toEqual([]);
      expect(decrypt(managedSecrets)).toEqual([]);
    });
  });

  describe('trail signing', () => {
    const signingKey = 'arn:aws:kms:eu-west-1:123456789012:key/0b7c6f9e-2b1a-4f3e-9c1d-5a6b7c8d9e0f';
    const signOn = (Resource: string | string[]) =>
      messages(withStatements((s) => [...s, { Effect: 'Allow', Action: 'kms:Sign', Resource }]));

    it('accepts kms:Sign on the trail signing key, named by its ARN', () => {
      expect(signOn(signingKey)).toEqual([]);
    });

    it.each([
      ['every resource', '*'],
      ['every key of the account', 'arn:aws:kms:eu-west-1:123456789012:key/*'],
      ['an alias', 'arn:aws:kms:eu-west-1:123456789012:alias/keywarden-trail'],
    ])('rejects kms:Sign on %s', (_what, resource) => {
      expect(signOn(resource)).toEqual([
        `${prefix} allows kms:Sign on "${resource}": limit Resource to the trail signing key's ARN (arn:aws:kms:<region>:<account-id>:key/<key-id>).`,
      ]);
    });
  });
});
