import type { Framework } from './model.js';

/** AWS Config managed rules that check what keywarden checks (their identifiers in kebab case). */
export const AWS_CONFIG: Framework = {
  key: 'aws-config',
  name: 'AWS Config managed rules',
  version: '',
  abbreviation: 'Config',
  source: 'AWS Config Developer Guide, list of AWS Config managed rules',
  controls: [
    {
      id: 'access-keys-rotated',
      title: 'Active IAM access keys are rotated within maxAccessKeyAge days',
      checks: ['rotation'],
    },
    {
      id: 'iam-root-access-key-check',
      title: 'The root user access key is not available',
      checks: ['root-key'],
    },
    {
      // The rule's default checks AdministratorAccess; with policyArns naming AWS's quarantine policies it
      // flags exactly the users keywarden calls compromised.
      id: 'iam-policy-blacklisted-check',
      title:
        'No IAM user has a listed managed policy attached (policyArns: AWSCompromisedKeyQuarantine, V2, V3)',
      checks: ['compromised'],
    },
    {
      id: 'iam-user-unused-credentials-check',
      title: 'IAM users have no password or active access key unused for maxCredentialUsageAge days',
      checks: ['unused'],
    },
  ],
};
