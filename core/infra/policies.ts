/**
 * The policies that more than one surface enforces on infrastructure code (the Pulumi policy pack and
 * `keywarden check` over Terraform plans, CloudFormation templates and CDK assemblies): each one's name,
 * description, enforcement level, severity and 21 CFR Part 11 clause, written once. The names are a contract
 * (CHANGELOG): a person writes them in --policy-pack-config, code scanning keeps alerts by them.
 */
import { REFUSED_RECORD_DELETIONS } from './worm.js';

export type EnforcementLevel = 'mandatory' | 'advisory';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface InfraPolicy {
  name: string;
  /** One sentence: what the policy requires (SARIF shortDescription, table headings). */
  summary: string;
  /**
   * Full sentences naming the clause, in words of every IaC tool (SARIF fullDescription). The policy pack words
   * its own description in Pulumi's terms, as it words its messages.
   */
  description: string;
  enforcementLevel: EnforcementLevel;
  severity: Severity;
  /** The 21 CFR Part 11 clause the policy enforces. */
  clause: string;
}

export const INFRA_POLICIES = {
  rejectIamAccessKeys: {
    name: 'reject-iam-access-keys',
    summary:
      'No IAM access key is created by infrastructure code unless its user holds an unexpired exemption.',
    description:
      'Rejects IAM access key resources (Pulumi aws.iam.AccessKey, Terraform aws_iam_access_key, CloudFormation AWS::IAM::AccessKey): a key minted by infrastructure code is never rotated and its secret passes through the deployment tool, so the credential is not periodically revised as 21 CFR 11.300(b) requires. Enrol the user for managed rotation instead, or record a documented, unexpired exemption in the keywarden config.',
    enforcementLevel: 'mandatory',
    severity: 'critical',
    clause: '11.300(b)',
  },
  requireValidRotationTags: {
    name: 'require-valid-rotation-tags',
    summary: 'An IAM user tagged for managed rotation carries the tag exactly as configured.',
    description:
      'Requires an IAM user tagged for managed rotation (Pulumi aws.iam.User, Terraform aws_iam_user, CloudFormation AWS::IAM::User) to carry the tag key and value exactly as configured: a misspelt tag silently leaves the user out of the rotation that 21 CFR 11.300(b) relies on.',
    enforcementLevel: 'mandatory',
    severity: 'high',
    clause: '11.300(b)',
  },
  requireWormTrailBucket: {
    name: 'require-worm-trail-bucket',
    summary:
      "keywarden's audit trail bucket is write-once: Object Lock (COMPLIANCE), versioning, a policy refusing deletes and overwrites.",
    description: `Requires the keywarden audit trail bucket to have S3 Object Lock in COMPLIANCE mode retaining each record at least trail.retentionDays, versioning enabled, and a bucket policy that denies everyone ${REFUSED_RECORD_DELETIONS.join(', ')} and s3:PutObject without If-None-Match, so that no one can alter, hide or delete a record before its time, as 21 CFR 11.10(e) requires of audit trails.`,
    enforcementLevel: 'mandatory',
    severity: 'high',
    clause: '11.10(e)',
  },
} as const satisfies Record<string, InfraPolicy>;
