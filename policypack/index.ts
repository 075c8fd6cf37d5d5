import { PolicyPack } from '@pulumi/policy';
import { keywardenPolicies } from './policies/index.js';

new PolicyPack('keywarden', {
  displayName: 'keywarden',
  description:
    'Stops unmanaged IAM access keys at pulumi preview and checks the keywarden rotation stack, for teams under 21 CFR Part 11.',
  policies: keywardenPolicies,
});
