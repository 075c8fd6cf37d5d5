/**
 * The rule of `reject-iam-access-keys`, for every IaC tool: an access key that infrastructure code creates is
 * rejected unless its user holds an exemption in force. The policy pack (Pulumi) and `keywarden check`
 * (Terraform, CloudFormation, CDK) read the key's facts their own way and call this.
 */
import { SECRET_PREFIX } from '../aws/permissions.js';
import { activeExemption, exemptionInForce } from '../policy/exemption.js';
import type { Config, Exemption } from '../policy/schema.js';
import { type MaybeKnown, UNKNOWN } from './unknown.js';

/** How one IaC tool names things in a remedy. */
export interface IacWords {
  /** The key resource to remove: `AccessKey`, `aws_iam_access_key`, `AWS::IAM::AccessKey`. */
  keyType: string;
  /** The user resource to tag: `aws.iam.User`, `aws_iam_user`, `AWS::IAM::User`. */
  userType: string;
  /** What happens to the key's secret with this tool: `its secret is kept in the stack state`. */
  secretFate: string;
  /** Where exemptions are written: `this policy's config`, `keywarden.yml`. */
  exemptionsHome: string;
}

export interface AccessKeyFacts {
  /** The key resource as a person finds it in the tool's output: `aws.iam.AccessKey "ci-key"`. */
  resource: string;
  /** The IAM user name the key is for. */
  user: MaybeKnown<string>;
  /** The key's status as written; anything but `Inactive` (or nothing) creates an Active key. */
  status: unknown;
  /** The AWS account the resource is deployed to, or '' when the tool cannot tell. */
  account: string;
}

export type AccessKeyJudgement =
  /** An exemption in force names the key's user: the key may stay. */
  | { outcome: 'exempt'; exemption: Exemption }
  /**
   * The user is known only at apply time and some exemption is in force: whether it covers the key cannot be
   * told yet (the pack leaves this to the analyzer's advisory; check reports an advisory).
   */
  | { outcome: 'undecided' }
  | { outcome: 'rejected'; message: string };

/** Whether any exemption of the config is still in force: only then does the key's user need to be known. */
export function hasUnexpiredExemption(config: Config, asOf: Date): boolean {
  return config.exemptions.some((exemption) => exemptionInForce(exemption, asOf));
}

/**
 * The judgement on one access key. A key whose user is named only at apply time is rejected when no
 * exemption is in force (none could apply), and undecided otherwise.
 */
export function judgeAccessKey(
  key: AccessKeyFacts,
  config: Config,
  asOf: Date,
  words: IacWords,
): AccessKeyJudgement {
  if (key.user === UNKNOWN) {
    if (hasUnexpiredExemption(config, asOf)) return { outcome: 'undecided' };
  } else {
    const exemption = activeExemption(config.exemptions, key.user, key.account, asOf);
    if (exemption) return { outcome: 'exempt', exemption };
  }
  return { outcome: 'rejected', message: accessKeyRemedy(key, config, asOf, words) };
}

/** A missing status creates an Active key (the AWS default); an unknown one is said to be unknown. */
function statusPhrase(status: unknown): string {
  if (status === UNKNOWN) return 'an access key (Active or Inactive: known only at apply time)';
  return `an ${status === 'Inactive' ? 'Inactive' : 'Active'} access key`;
}

/** What the developer must change: enrol the user, read the key from Secrets Manager, or get an exemption. */
function accessKeyRemedy(key: AccessKeyFacts, config: Config, asOf: Date, words: IacWords): string {
  const user = key.user === UNKNOWN ? undefined : key.user;
  const who = user === undefined ? '(named only at apply time)' : `"${user}"`;
  const expired = config.exemptions.find(
    (exemption) => exemption.user === user && !exemptionInForce(exemption, asOf),
  );
  return [
    `${key.resource} creates ${statusPhrase(key.status)} for IAM user ${who}: nothing rotates it and ${words.secretFate}.`,
    `Remove the ${words.keyType}, tag the ${words.userType} with ${config.scope.tagKey}=${config.scope.tagValue} so keywarden issues and rotates its keys,`,
    `and have the workload read the key from the Secrets Manager secret ${SECRET_PREFIX}<account-id>/${user ?? '<user>'}.`,
    expired
      ? `The exemption for "${expired.user}" expired on ${expired.expiresOn}; renew it (reason, approvedBy, expiresOn) if the key must stay.`
      : `If the key truly must stay, add an exemption for the user (user, reason, approvedBy, expiresOn) to ${words.exemptionsHome}.`,
  ].join(' ');
}
