import { describe, expect, it } from 'vitest';
import main from '../../../stacks/audit-role/index.js';
import { MOCK_ACCOUNT, runProgram } from '../../support/pulumi-program.js';
import { type Decision, type Document, decide } from '../rotation/generated-policies.js';

const BUCKET = `keywarden-trail-${MOCK_ACCOUNT}`;
const ROLE = `arn:aws:iam::${MOCK_ACCOUNT}:role/keywarden-audit-member`;

/** The member role's policy in this account, as the stack generates it with memberTrailBucket. */
async function memberPolicy(): Promise<Document> {
  const stack = await runProgram('keywarden-audit-role', main, {
    repository: 'acme/security',
    branches: ['main'],
    organization: { memberTrailBucket: 'keywarden-trail-{account}' },
  });
  return JSON.parse(String(stack.named('member-permissions').inputs.policy)) as Document;
}

describe('the member role reading its account’s own trail, simulated (iam-simulate)', () => {
  it('may list every version and read every record of its trail, and nothing else in S3', async () => {
    // Prepare
    const policy = await memberPolicy();
    const ask = (action: string, resource: string): Promise<Decision> =>
      decide({ principal: ROLE, identityPolicies: [policy], action, resource, resourcePolicy: undefined });

    // Act
    const decisions = {
      listVersions: await ask('s3:ListBucketVersions', `arn:aws:s3:::${BUCKET}`),
      readVersion: await ask('s3:GetObjectVersion', `arn:aws:s3:::${BUCKET}/trail/000000000001.json`),
      read: await ask('s3:GetObject', `arn:aws:s3:::${BUCKET}/trail/000000000001.json`),
      write: await ask('s3:PutObject', `arn:aws:s3:::${BUCKET}/trail/000000000002.json`),
      outsideThePrefix: await ask('s3:GetObject', `arn:aws:s3:::${BUCKET}/other/secret.json`),
      anotherBucket: await ask('s3:GetObject', 'arn:aws:s3:::payroll-exports/2026-11.csv'),
    };

    // Assess
    expect(decisions).toEqual({
      listVersions: 'Allowed',
      readVersion: 'Allowed',
      read: 'Allowed',
      write: 'ImplicitlyDenied',
      outsideThePrefix: 'ImplicitlyDenied',
      anotherBucket: 'ImplicitlyDenied',
    });
  });
});
