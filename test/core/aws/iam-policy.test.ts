import { describe, expect, it } from 'vitest';
import { patternMatches, statementsOf } from '../../../core/aws/iam-policy.js';

describe('statementsOf', () => {
  it('reads the statements of a document given as JSON text or as an object, one statement or a list', () => {
    // Prepare
    const statement = { Sid: 'A', Effect: 'Deny', Action: 's3:DeleteObject', Resource: ['arn:aws:s3:::b/*'] };

    // Act
    const fromText = statementsOf(JSON.stringify({ Version: '2012-10-17', Statement: [statement] }));
    const fromObject = statementsOf({ Statement: statement });

    // Assess
    expect(fromText).toEqual([statement]);
    expect(fromObject).toEqual([statement]);
  });

  it('gives undefined for what is not a policy document', () => {
    // Assess
    for (const document of ['not json', '"text"', 'null', {}, { Statement: 'x' }, null, 7]) {
      expect(statementsOf(document)).toBeUndefined();
    }
  });

  it('reads a field of another shape as IAM lists it, and a malformed Condition as one with no keys', () => {
    // Act
    const [odd, missing] =
      statementsOf({
        Statement: [
          { Effect: 1, Action: 5, Resource: [1, 's'], Condition: { Null: 'x', Bool: { k: true } } },
          null,
        ],
      }) ?? [];

    // Assess
    expect(odd).toMatchObject({ Effect: undefined, Action: ['5'], Resource: ['1', 's'] });
    expect(odd?.Condition).toEqual({ Null: {}, Bool: { k: ['true'] } });
    expect(missing).toMatchObject({ Effect: undefined, Action: undefined, Condition: undefined });
  });
});

describe('patternMatches', () => {
  it('matches as IAM does: * any run, ? one character, case-insensitive', () => {
    // Assess
    expect(patternMatches('s3:Delete*', 's3:deleteobjectversion')).toBe(true);
    expect(patternMatches('iam:?etUser', 'iam:GetUser')).toBe(true);
    expect(patternMatches('s3:Get*', 's3:PutObject')).toBe(false);
  });
});
