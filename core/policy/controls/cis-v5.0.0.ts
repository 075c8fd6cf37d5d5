import type { Framework } from './model.js';

/**
 * CIS Amazon Web Services Foundations Benchmark v5.0.0, section 1 (Identity and Access Management): the version
 * AWS Security Hub's CIS standard implements. The root key moved from 1.4 (v3.0.0) to 1.3.
 */
export const CIS_V5: Framework = {
  key: 'cis-aws-foundations-v5.0.0',
  name: 'CIS AWS Foundations Benchmark',
  version: 'v5.0.0',
  abbreviation: 'CIS',
  source:
    'CIS Amazon Web Services Foundations Benchmark v5.0.0 (Center for Internet Security), section 1; IDs and titles as reproduced in Prowler prowler/compliance/aws/cis_5.0_aws.json',
  controls: [
    { id: '1.3', title: "Ensure no 'root' user account access key exists", checks: ['root-key'] },
    {
      id: '1.11',
      title: 'Ensure credentials unused for 45 days or more are disabled',
      checks: ['unused'],
    },
    {
      id: '1.12',
      title: 'Ensure there is only one active access key for any single IAM user',
      checks: ['one-active-key'],
    },
    {
      id: '1.13',
      title: 'Ensure access keys are rotated every 90 days or less',
      checks: ['rotation', 'inactive-key'],
    },
  ],
};
