import type { Framework } from './model.js';

/**
 * CIS Amazon Web Services Foundations Benchmark v7.0.0, section 2 (Identity and Access Management): the default.
 * v7.0.0 dropped "only one active access key for any single IAM user", so a second active key (the verdict
 * superseded) serves no CIS control of this version.
 */
export const CIS_V7: Framework = {
  key: 'cis-aws-foundations-v7.0.0',
  name: 'CIS AWS Foundations Benchmark',
  version: 'v7.0.0',
  abbreviation: 'CIS',
  source:
    "CIS Amazon Web Services Foundations Benchmark v7.0.0 (Center for Internet Security), section 2; IDs and titles as reproduced in Prowler prowler/compliance/aws/cis_7.0_aws.json and in Tenable's audit file CIS_Amazon_Web_Services_Foundations_v7.0.0_L1",
  controls: [
    { id: '2.4', title: "Ensure no 'root' user account access key exists", checks: ['root-key'] },
    {
      id: '2.11',
      title: 'Ensure credentials unused for 45 days or more are disabled',
      checks: ['unused'],
    },
    {
      id: '2.12',
      title: 'Ensure access keys are rotated every 90 days or less',
      checks: ['rotation', 'inactive-key'],
    },
  ],
};
