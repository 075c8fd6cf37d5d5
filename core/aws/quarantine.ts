// AWS's key-quarantine policies: the AWS-managed policies AWS attaches to an IAM user when it finds one of the
// user's access keys exposed (published in a public repository, say). Pure: no SDK.

/** The quarantine policies, oldest first (AWS has added a new version twice; each is still attached in the wild). */
export const QUARANTINE_POLICY_NAMES = [
  'AWSCompromisedKeyQuarantine',
  'AWSCompromisedKeyQuarantineV2',
  'AWSCompromisedKeyQuarantineV3',
] as const;
export type QuarantinePolicyName = (typeof QUARANTINE_POLICY_NAMES)[number];

/** `arn:<partition>:iam::aws:policy/<name>` of a quarantine policy. */
export function quarantinePolicyArn(name: QuarantinePolicyName, partition = 'aws'): string {
  return `arn:${partition}:iam::aws:policy/${name}`;
}

/** The ARN of each quarantine policy, in the order of `QUARANTINE_POLICY_NAMES`. */
export function quarantinePolicyArns(partition = 'aws'): string[] {
  return QUARANTINE_POLICY_NAMES.map((name) => quarantinePolicyArn(name, partition));
}

const QUARANTINE_ARN = /^arn:aws[\w-]*:iam::aws:policy\/(AWSCompromisedKeyQuarantine(?:V2|V3)?)$/;

/** The quarantine policy an attached policy ARN is (AWS-managed, any partition), or null. */
export function quarantinePolicyOf(policyArn: string): QuarantinePolicyName | null {
  const name = QUARANTINE_ARN.exec(policyArn)?.[1];
  return QUARANTINE_POLICY_NAMES.find((known) => known === name) ?? null;
}
