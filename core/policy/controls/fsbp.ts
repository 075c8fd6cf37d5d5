import type { Framework } from './model.js';

/** AWS Foundational Security Best Practices in Security Hub (security control IDs). */
export const FSBP: Framework = {
  key: 'aws-fsbp',
  name: 'AWS Foundational Security Best Practices',
  version: 'v1.0.0',
  abbreviation: 'FSBP',
  source: 'AWS Security Hub User Guide, controls reference (security control IDs IAM.3, IAM.4, IAM.22)',
  controls: [
    {
      id: 'IAM.3',
      title: "IAM users' access keys should be rotated every 90 days or less",
      checks: ['rotation'],
    },
    { id: 'IAM.4', title: 'IAM root user access key should not exist', checks: ['root-key'] },
    {
      id: 'IAM.22',
      title: 'IAM user credentials unused for 45 days should be removed',
      checks: ['unused'],
    },
  ],
};
