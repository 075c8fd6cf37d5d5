import type { AuditReport } from '../audit/report.js';
import { partitionOfRegion } from '../aws/arn.js';
import { isRootKey } from '../inventory/records.js';
import { frameworkOf } from '../policy/controls/index.js';
import { remediation } from '../policy/evaluate.js';
import type { Finding, Verdict } from '../policy/verdicts.js';

/**
 * AWS Security Finding Format (ASFF) for Security Hub's BatchImportFindings. One finding per access key (its
 * verdict's controls in Compliance.RelatedRequirements), with an Id built from what identifies the key in every
 * source (account, user, creation instant), so that a re-import updates the finding instead of adding one.
 */
export const ASFF_SCHEMA_VERSION = '2018-10-08';
/** Every finding keywarden files carries this GeneratorId: it is how keywarden finds its own findings again. */
export const ASFF_GENERATOR_ID = 'keywarden/access-key-audit';

/** The attributes BatchImportFindings requires of every finding (AWS Security Hub User Guide, ASFF). */
export const ASFF_REQUIRED_ATTRIBUTES = [
  'AwsAccountId',
  'CreatedAt',
  'Description',
  'GeneratorId',
  'Id',
  'ProductArn',
  'Resources',
  'SchemaVersion',
  'Severity',
  'Title',
  'Types',
  'UpdatedAt',
] as const;

export type AsffComplianceStatus = 'PASSED' | 'WARNING' | 'FAILED' | 'NOT_AVAILABLE';
export type AsffSeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export interface AsffResource {
  Type: 'AwsIamAccessKey' | 'AwsIamUser' | 'AwsAccount';
  Id: string;
  Partition: string;
  Region: string;
  Details?: Record<string, unknown>;
}

export interface AsffFinding {
  SchemaVersion: string;
  Id: string;
  ProductArn: string;
  GeneratorId: string;
  AwsAccountId: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  Severity: { Label: AsffSeverityLabel; Original: string };
  Title: string;
  Description: string;
  Resources: AsffResource[];
  Compliance: { Status: AsffComplianceStatus; RelatedRequirements: string[] };
  RecordState: 'ACTIVE' | 'ARCHIVED';
  Workflow: { Status: 'NEW' | 'NOTIFIED' | 'RESOLVED' | 'SUPPRESSED' };
  Remediation?: { Recommendation: { Text: string; Url?: string } };
  ProductFields?: Record<string, string>;
}

/**
 * Severity in Security Hub's words; a root key is CRITICAL as in Security Hub's own IAM.4, and so is a key AWS
 * found exposed (someone else may hold it now).
 */
const SEVERITY_LABEL: Readonly<Record<Verdict, AsffSeverityLabel>> = {
  'root-key': 'CRITICAL',
  compromised: 'CRITICAL',
  overdue: 'HIGH',
  expiring: 'LOW',
  superseded: 'MEDIUM',
  unused: 'MEDIUM',
  stale: 'LOW',
  exempt: 'INFORMATIONAL',
  compliant: 'INFORMATIONAL',
};

const TITLE: Readonly<Record<Verdict, string>> = {
  'root-key': 'The root account has an access key',
  compromised: 'IAM access key of a user AWS quarantined as exposed',
  overdue: 'IAM access key overdue for rotation',
  expiring: 'IAM access key due for rotation soon',
  superseded: 'IAM access key left active after its replacement',
  unused: 'IAM access key unused',
  stale: 'Inactive IAM access key not deleted',
  exempt: 'IAM access key under an approved exemption',
  compliant: 'IAM access key rotated within the policy',
};

/** An exemption is an accepted risk: not a pass, so a warning that the workflow marks as suppressed. */
function status(finding: Finding): { compliance: AsffComplianceStatus; workflow: AsffFinding['Workflow'] } {
  if (finding.verdict === 'exempt') return { compliance: 'WARNING', workflow: { Status: 'SUPPRESSED' } };
  if (finding.severity === 'violation') return { compliance: 'FAILED', workflow: { Status: 'NEW' } };
  if (finding.severity === 'warning') return { compliance: 'WARNING', workflow: { Status: 'NEW' } };
  return { compliance: 'PASSED', workflow: { Status: 'RESOLVED' } };
}

const TYPES = [
  'Software and Configuration Checks/AWS Security Best Practices',
  'Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark',
];

/** The product ARN of an account's own findings ("default" product), where BatchImportFindings accepts them. */
export function productArn(region: string, account: string): string {
  return `arn:${partitionOfRegion(region)}:securityhub:${region}:${account}:product/${account}/default`;
}

/**
 * The finding's Id: the key's account, user and creation instant. The access key ID is not used because a
 * credential report does not carry it (only flagged keys are looked up), and the slot moves when a key is deleted.
 * Two keys of one user created in the same instant also get their slot, so that they stay two findings.
 */
export function asffId(finding: Finding, sameInstant: boolean): string {
  const base = `keywarden/${finding.account}/access-key/${finding.user}/${finding.createdAt.toISOString()}`;
  return sameInstant ? `${base}/${finding.keySlot}` : base;
}

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export interface AsffOptions {
  region: string;
}

/** Pure: the findings of a report in ASFF, in the report's order. No secret is in a finding: keywarden has none. */
export function toAsff(report: AuditReport, options: AsffOptions): AsffFinding[] {
  const { region } = options;
  const partition = partitionOfRegion(region);
  const instants = new Map<string, number>();
  for (const finding of report.findings) {
    const key = `${finding.account}\n${finding.user}\n${finding.createdAt.getTime()}`;
    instants.set(key, (instants.get(key) ?? 0) + 1);
  }
  const at = report.asOf.toISOString();
  return report.findings.map((finding) => {
    const sameInstant =
      (instants.get(`${finding.account}\n${finding.user}\n${finding.createdAt.getTime()}`) ?? 0) > 1;
    const { compliance, workflow } = status(finding);
    const root = isRootKey(finding);
    const steps = remediation(finding);
    const keyResource: AsffResource = {
      Type: 'AwsIamAccessKey',
      Id: finding.accessKeyId ?? `${finding.userArn}/access-key/${finding.createdAt.toISOString()}`,
      Partition: partition,
      Region: region,
      Details: {
        AwsIamAccessKey: {
          Status: finding.status,
          CreatedAt: finding.createdAt.toISOString(),
          PrincipalName: finding.user,
          PrincipalType: root ? 'Root' : 'IAMUser',
          AccountId: finding.account,
          ...(finding.accessKeyId ? { AccessKeyId: finding.accessKeyId } : {}),
        },
      },
    };
    const ownerResource: AsffResource = root
      ? { Type: 'AwsAccount', Id: `AWS::::Account:${finding.account}`, Partition: partition, Region: region }
      : {
          Type: 'AwsIamUser',
          Id: finding.userArn,
          Partition: partition,
          Region: region,
          Details: { AwsIamUser: { UserName: finding.user } },
        };
    return {
      SchemaVersion: ASFF_SCHEMA_VERSION,
      Id: asffId(finding, sameInstant),
      ProductArn: productArn(region, finding.account),
      GeneratorId: ASFF_GENERATOR_ID,
      AwsAccountId: finding.account,
      Types: TYPES,
      CreatedAt: at,
      UpdatedAt: at,
      Severity: { Label: SEVERITY_LABEL[finding.verdict], Original: finding.verdict },
      Title: clip(`${TITLE[finding.verdict]}: ${finding.user} (key ${finding.keySlot})`, 256),
      Description: clip(finding.reason, 1024),
      Resources: [keyResource, ownerResource],
      Compliance: {
        Status: compliance,
        RelatedRequirements: finding.controls.map((control) => {
          const framework = frameworkOf(control.framework);
          const name = framework
            ? `${framework.name}${framework.version ? ` ${framework.version}` : ''}`
            : control.framework;
          return clip(`${name}/${control.id}`, 128);
        }),
      },
      RecordState: 'ACTIVE',
      Workflow: workflow,
      ...(steps.length > 0 ? { Remediation: { Recommendation: { Text: clip(steps.join('\n'), 512) } } } : {}),
      ProductFields: {
        'keywarden/verdict': finding.verdict,
        'keywarden/severity': finding.severity,
        'keywarden/keySlot': String(finding.keySlot),
        'keywarden/ageDays': String(finding.ageDays),
      },
    };
  });
}

export function renderAsff(report: AuditReport, options: AsffOptions): string {
  return `${JSON.stringify(toAsff(report, options), null, 2)}\n`;
}
