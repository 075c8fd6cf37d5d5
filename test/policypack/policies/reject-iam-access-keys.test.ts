import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { rejectIamAccessKeys } from '../../../policypack/policies/reject-iam-access-keys.js';
import { UNKNOWN } from '../../support/policy-harness.js';
import { ACCOUNT, runResourcePolicy } from '../fixtures.js';

const accessKey = (inputs: Record<string, unknown> = { user: 'alice' }) => ({
  type: 'aws:iam/accessKey:AccessKey',
  name: 'alice-key',
  inputs,
});
const exemption = {
  user: 'alice',
  reason: 'Appliance cannot reload keys; CAPA-2291',
  approvedBy: 'qa-lead@example.com',
  expiresOn: '2027-03-31',
};

describe('reject-iam-access-keys', () => {
  beforeEach(() => {
    vi.stubEnv('KEYWARDEN_AS_OF', '2026-11-28T09:00:00Z');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('rejects an access key without a status as an Active key, saying how to enrol the user instead', () => {
    // Act
    const outcome = runResourcePolicy(rejectIamAccessKeys, accessKey());

    // Assess
    expect(outcome.violations).toHaveLength(1);
    const message = outcome.violations[0]!.message;
    expect(message).toContain('creates an Active access key for IAM user "alice"');
    expect(message).toContain('tag the aws.iam.User with keywarden:rotation=enabled');
    expect(message).toContain('Secrets Manager secret keywarden/<account-id>/alice');
  });

  it('rejects an Inactive access key too, naming its status', () => {
    const outcome = runResourcePolicy(rejectIamAccessKeys, accessKey({ user: 'alice', status: 'Inactive' }));

    expect(outcome.violations.map((v) => v.message)).toEqual([
      expect.stringContaining('creates an Inactive access key for IAM user "alice"'),
    ]);
  });

  it('says the status is known only at apply time when it is unknown during preview, instead of calling the key Active', () => {
    const outcome = runResourcePolicy(rejectIamAccessKeys, accessKey({ user: 'alice', status: UNKNOWN }));

    expect(outcome.violations.map((v) => v.message)).toEqual([
      expect.stringContaining(
        'creates an access key (Active or Inactive: known only at apply time) for IAM user "alice"',
      ),
    ]);
  });

  it('names the configured enrolment tag in the remedy', () => {
    const config = { scope: { tagKey: 'rotation', tagValue: 'managed' } };

    const outcome = runResourcePolicy(rejectIamAccessKeys, accessKey(), config);

    expect(outcome.violations[0]!.message).toContain('tag the aws.iam.User with rotation=managed');
  });

  it('allows the key of a user with an unexpired exemption', () => {
    const outcome = runResourcePolicy(rejectIamAccessKeys, accessKey(), { exemptions: [exemption] });

    expect(outcome).toEqual({ violations: [] });
  });

  it('rejects the key once the exemption has expired, naming the expiry', () => {
    const outcome = runResourcePolicy(rejectIamAccessKeys, accessKey(), {
      exemptions: [{ ...exemption, expiresOn: '2026-11-27' }],
    });

    expect(outcome.violations[0]!.message).toContain('The exemption for "alice" expired on 2026-11-27');
  });

  it('rejects the key of a user the exemption does not name', () => {
    const outcome = runResourcePolicy(rejectIamAccessKeys, accessKey({ user: 'bob' }), {
      exemptions: [exemption],
    });

    expect(outcome.violations).toHaveLength(1);
  });

  it('applies an account-bound exemption only when the provider is pinned to that account', () => {
    const config = { exemptions: [{ ...exemption, account: ACCOUNT }] };
    const provider = (account: string) => ({
      type: 'pulumi:providers:aws',
      name: 'default',
      urn: 'urn:pulumi:dev::p::pulumi:providers:aws::default',
      props: { allowedAccountIds: [account] },
    });

    const unpinned = runResourcePolicy(rejectIamAccessKeys, accessKey(), config);
    const pinned = runResourcePolicy(
      rejectIamAccessKeys,
      { ...accessKey(), provider: provider(ACCOUNT) },
      config,
    );
    const other = runResourcePolicy(
      rejectIamAccessKeys,
      { ...accessKey(), provider: provider('210987654321') },
      config,
    );

    expect(unpinned.violations).toHaveLength(1);
    expect(pinned.violations).toHaveLength(0);
    expect(other.violations).toHaveLength(1);
  });

  it('still rejects a key whose user is unknown during preview when no exemption could apply', () => {
    const outcome = runResourcePolicy(rejectIamAccessKeys, accessKey({ user: UNKNOWN }));

    expect(outcome.violations[0]!.message).toContain(
      'aws.iam.AccessKey "alice-key" creates an Active access key for IAM user (named only at apply time)',
    );
  });

  it('defers to the analyzer (an advisory) when the user is unknown and an exemption could apply', () => {
    const outcome = runResourcePolicy(rejectIamAccessKeys, accessKey({ user: UNKNOWN }), {
      exemptions: [exemption],
    });

    expect(outcome.violations).toEqual([]);
    expect(outcome.unknownValue).toContain('.user');
  });

  it('reports an invalid config as one violation naming the field, instead of failing the preview', () => {
    const { approvedBy: _, ...unapproved } = exemption;

    const outcome = runResourcePolicy(rejectIamAccessKeys, accessKey(), { exemptions: [unapproved] });

    expect(outcome.violations.map((v) => v.message)).toEqual([
      expect.stringMatching(
        /^config of policy reject-iam-access-keys: exemptions\[0\]\.approvedBy: .*--policy-pack-config/,
      ),
    ]);
  });

  it('refuses an exemption that runs more than a year ahead', () => {
    const outcome = runResourcePolicy(rejectIamAccessKeys, accessKey(), {
      exemptions: [{ ...exemption, expiresOn: '2028-01-31' }],
    });

    expect(outcome.violations[0]!.message).toContain(
      'exemptions[0].expiresOn: 2028-01-31 is more than 365 days ahead',
    );
  });
});
