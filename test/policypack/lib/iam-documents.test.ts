import { describe, expect, it } from 'vitest';
import { roleDocumentProblems, statementsOf } from '../../../policypack/lib/iam-documents.js';

const scope = { tagKey: 'keywarden:rotation', tagValue: 'enabled' };
const scopedMutation = {
  Effect: 'Allow',
  Action: 'iam:CreateAccessKey',
  Resource: 'arn:aws:iam::123456789012:user/*',
  Condition: { StringEquals: { 'iam:ResourceTag/keywarden:rotation': 'enabled' } },
};

describe('statementsOf', () => {
  it('reads a JSON document and an object, and a single statement as a list', () => {
    expect(statementsOf(JSON.stringify({ Statement: [scopedMutation] }))).toEqual([scopedMutation]);
    expect(statementsOf({ Statement: scopedMutation })).toEqual([scopedMutation]);
  });

  it('returns undefined for text that is not a policy document', () => {
    expect(statementsOf('{')).toBeUndefined();
    expect(statementsOf({ Version: '2012-10-17' })).toBeUndefined();
  });
});

describe('roleDocumentProblems', () => {
  it('accepts a key mutation on users conditioned on the enrolment tag (iam: or aws: condition key)', () => {
    expect(roleDocumentProblems([scopedMutation], scope)).toEqual([]);
  });

  it('sees key mutations granted through action wildcards', () => {
    const problems = roleDocumentProblems(
      [{ Effect: 'Allow', Action: 'iam:*AccessKey', Resource: 'arn:aws:iam::123456789012:user/*' }],
      scope,
    );

    expect(problems).toEqual([
      expect.stringContaining(
        'allows iam:CreateAccessKey, iam:UpdateAccessKey, iam:DeleteAccessKey without the condition',
      ),
    ]);
  });

  it('ignores Deny statements', () => {
    expect(roleDocumentProblems([{ Effect: 'Deny', Action: '*', Resource: '*' }], scope)).toEqual([]);
  });

  it('flags a wildcard action on every resource even when it grants no key mutation', () => {
    expect(roleDocumentProblems([{ Effect: 'Allow', Action: 's3:*', Resource: '*' }], scope)).toEqual([
      'allows "s3:*" on every resource ("*"): list the exact actions the rotation needs',
    ]);
  });

  it('accepts a wildcard action on named resources', () => {
    expect(
      roleDocumentProblems(
        [{ Effect: 'Allow', Action: 'logs:*', Resource: 'arn:aws:logs:eu-west-1:1:log-group:x:*' }],
        scope,
      ),
    ).toEqual([]);
  });
});
