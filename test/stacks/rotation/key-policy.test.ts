/**
 * The secrets key's policy says only what it does: an Allow conditioned on an encryption context lists only
 * actions whose requests carry one. KMS evaluates `kms:EncryptionContext:*` only for the cryptographic
 * operations of a symmetric key (AWS KMS API Reference, GrantConstraints: "not applied to … management
 * operations, such as DescribeKey or RetireGrant"); any other action listed there is granted to no one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generatedPolicies } from './generated-policies.js';

/** The KMS actions whose requests carry an encryption context (symmetric-key cryptographic operations). */
const CARRY_ENCRYPTION_CONTEXT = new Set([
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext',
  'kms:CreateGrant',
]);

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const needsEncryptionContext = (statement: Statement) =>
  Object.values(statement.Condition ?? {}).some((keys) =>
    Object.keys(keys).some((key) => key.toLowerCase().startsWith('kms:encryptioncontext:')),
  );

let statements: Statement[];

beforeAll(async () => {
  statements = (await generatedPolicies()).keyPolicy.Statement as Statement[];
}, 60_000);

describe('the secrets key policy', () => {
  it('lists in an Allow conditioned on an encryption context only actions whose requests carry one', () => {
    // Act
    const dead = statements
      .filter((statement) => statement.Effect === 'Allow' && needsEncryptionContext(statement))
      .flatMap((statement) =>
        [statement.Action]
          .flat()
          .flatMap((action) => (CARRY_ENCRYPTION_CONTEXT.has(action) ? [] : [`${statement.Sid}: ${action}`])),
      );

    // Assess
    expect(dead).toEqual([]);
  });
});
