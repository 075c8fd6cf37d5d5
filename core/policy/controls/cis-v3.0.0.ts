import type { Framework } from './model.js';

/** CIS Amazon Web Services Foundations Benchmark v3.0.0, section 1 (Identity and Access Management). */
export const CIS_V3: Framework = {
  key: 'cis-aws-foundations-v3.0.0',
  name: 'CIS AWS Foundations Benchmark',
  version: 'v3.0.0',
  abbreviation: 'CIS',
  source:
    'CIS Amazon Web Services Foundations Benchmark v3.0.0 (Center for Internet Security), section 1; IDs and titles as reproduced in Prowler prowler/compliance/aws/cis_3.0_aws.json',
  controls: [
    { id: '1.4', title: "Ensure no 'root' user account access key exists", checks: ['root-key'] },
    {
      id: '1.12',
      title: 'Ensure credentials unused for 45 days or greater are disabled',
      checks: ['unused'],
    },
    {
      id: '1.13',
      title: 'Ensure there is only one active access key available for any single IAM user',
      checks: ['one-active-key'],
    },
    {
      id: '1.14',
      title: 'Ensure access keys are rotated every 90 days or less',
      checks: ['rotation', 'inactive-key'],
    },
  ],
};
