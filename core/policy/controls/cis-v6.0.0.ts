import type { Framework } from './model.js';

/**
 * CIS Amazon Web Services Foundations Benchmark v6.0.0, section 2 (Identity and Access Management): from v6.0.0
 * the IAM recommendations are section 2.
 */
export const CIS_V6: Framework = {
  key: 'cis-aws-foundations-v6.0.0',
  name: 'CIS AWS Foundations Benchmark',
  version: 'v6.0.0',
  abbreviation: 'CIS',
  source:
    'CIS Amazon Web Services Foundations Benchmark v6.0.0 (Center for Internet Security), section 2; IDs and titles as reproduced in Prowler prowler/compliance/aws/cis_6.0_aws.json',
  controls: [
    { id: '2.3', title: "Ensure no 'root' user account access key exists", checks: ['root-key'] },
    {
      id: '2.11',
      title: 'Ensure credentials unused for 45 days or more are disabled',
      checks: ['unused'],
    },
    {
      id: '2.12',
      title: 'Ensure there is only one active access key for any single IAM user',
      checks: ['one-active-key'],
    },
    {
      id: '2.13',
      title: 'Ensure access keys are rotated every 90 days or less',
      checks: ['rotation', 'inactive-key'],
    },
  ],
};
