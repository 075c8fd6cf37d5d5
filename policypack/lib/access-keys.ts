import type { PolicyProviderResource } from '@pulumi/policy';
import { SECRET_PREFIX } from '../../core/aws/permissions.js';
import { exemptionInForce } from '../../core/policy/exemption.js';
import type { Config } from '../../core/policy/schema.js';
import { known, listAt } from './resources.js';

/** Whether any exemption of the config is still in force: only then does the key's user need to be known. */
export function hasUnexpiredExemption(config: Config, asOf: Date): boolean {
  return config.exemptions.some((exemption) => exemptionInForce(exemption, asOf));
}

/**
 * The AWS account the resource's provider is pinned to (`allowedAccountIds` with one entry), or '' when the
 * preview cannot tell: then only exemptions that name no account apply.
 */
export function providerAccount(provider: PolicyProviderResource | undefined): string {
  const allowed = known(() => listAt(provider?.props, 'allowedAccountIds'));
  return allowed?.length === 1 ? String(allowed[0]) : '';
}

/** What the developer must change: enrol the user, read the key from Secrets Manager, or get an exemption. */
export function accessKeyRemedy(
  resourceName: string,
  user: string | undefined,
  status: unknown,
  config: Config,
  asOf: Date,
): string {
  const who = user === undefined ? '(named only at apply time)' : `"${user}"`;
  const expired = config.exemptions.find(
    (exemption) => exemption.user === user && !exemptionInForce(exemption, asOf),
  );
  return [
    `aws.iam.AccessKey "${resourceName}" creates an ${status === 'Inactive' ? 'Inactive' : 'Active'} access key for IAM user ${who}: nothing rotates it and its secret is kept in the stack state.`,
    `Remove the AccessKey, tag the aws.iam.User with ${config.scope.tagKey}=${config.scope.tagValue} so keywarden issues and rotates its keys,`,
    `and have the workload read the key from the Secrets Manager secret ${SECRET_PREFIX}<account-id>/${user ?? '<user>'}.`,
    expired
      ? `The exemption for "${expired.user}" expired on ${expired.expiresOn}; renew it (reason, approvedBy, expiresOn) if the key must stay.`
      : `If the key truly must stay, add an exemption for the user (user, reason, approvedBy, expiresOn) to this policy's config.`,
  ].join(' ');
}
