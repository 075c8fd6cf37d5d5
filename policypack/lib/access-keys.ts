import type { PolicyProviderResource } from '@pulumi/policy';
import type { IacWords } from '../../core/infra/access-keys.js';
import { known, listAt } from './resources.js';

/** How the pack's messages name things: Pulumi's resource types, the stack state, the policy's config. */
export const PULUMI_WORDS: IacWords = {
  keyType: 'AccessKey',
  userType: 'aws.iam.User',
  secretFate: 'its secret is kept in the stack state',
  exemptionsHome: "this policy's config",
};

/**
 * The AWS account the resource's provider is pinned to (`allowedAccountIds` with one entry), or '' when the
 * preview cannot tell: then only exemptions that name no account apply.
 */
export function providerAccount(provider: PolicyProviderResource | undefined): string {
  const allowed = known(() => listAt(provider?.props, 'allowedAccountIds'));
  return allowed?.length === 1 ? String(allowed[0]) : '';
}
