import type { PolicyDocument } from '../../core/aws/iam-policy.js';
import { ORGANIZATION_READ_ACTIONS, policyFor } from '../../core/aws/permissions.js';
import { ACCOUNT_PLACEHOLDER, accountTrailBucket } from '../../core/trail/account-trail.js';
import { type AuditRoleSettings, GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from './settings.js';

/** The `sub` claims GitHub issues for the trusted runs, one per branch, environment and pull requests. */
export function trustedSubjects(settings: AuditRoleSettings): string[] {
  const repo = `repo:${settings.repository}`;
  return [
    ...settings.branches.map((branch) => `${repo}:ref:refs/heads/${branch}`),
    ...settings.environments.map((environment) => `${repo}:environment:${environment}`),
    ...(settings.allowPullRequests ? [`${repo}:pull_request`] : []),
  ];
}

/** Who may assume the role: GitHub's OIDC tokens for this audience and exactly these subjects. */
export function trustPolicy(settings: AuditRoleSettings, oidcProviderArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'GitHubActionsOfOneRepository',
        Effect: 'Allow',
        Principal: { Federated: oidcProviderArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: trustedSubjects(settings),
          },
        },
      },
    ],
  };
}

/**
 * What the role may do: the audit's calls as core/aws/permissions.ts lists them (the credential report and
 * the user list account-wide, each user's keys and tags per user), and nothing that changes anything.
 */
export function auditPolicy(
  partition: string,
  account: string,
  region: string,
  trail?: MemberTrail,
): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: policyFor(trail ? ['audit', 'consumers', 'trail-read'] : ['audit', 'consumers'], {
      partition,
      account,
      region,
      ...(trail
        ? { trail: { bucket: accountTrailBucket(trail.bucket, account), prefix: trail.prefix } }
        : {}),
    }),
  };
}

/**
 * A member account's own trail (`organization.memberTrailBucket`): its member role may read and verify it, for
 * `keywarden evidence --account-trail-bucket` (the `trail-read` list of core/aws/permissions.ts; never a write).
 */
export interface MemberTrail {
  /** A bucket name with `{account}` for the account's ID. */
  bucket: string;
  prefix: string;
}

/**
 * The hub role of organisation mode may do two things only: assume the member role, in accounts of this
 * organization only (aws:ResourceOrgID), and read the organization's account list. The audit itself runs
 * with the member role's permissions.
 */
export function hubPolicy(partition: string, organizationId: string, memberRoleName: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AssumeTheMemberRoleInTheOrganization',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: [`arn:${partition}:iam::*:role/${memberRoleName}`],
        Condition: { StringEquals: { 'aws:ResourceOrgID': organizationId } },
      },
      {
        Sid: 'ReadTheOrganization',
        Effect: 'Allow',
        Action: [...ORGANIZATION_READ_ACTIONS],
        Resource: ['*'],
      },
    ],
  };
}

/** The member role trusts the hub role only: no other principal of any account may assume it. */
export function memberTrustPolicy(hubRoleArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'KeywardenHubRoleOnly',
        Effect: 'Allow',
        Principal: { AWS: hubRoleArn },
        Action: 'sts:AssumeRole',
      },
    ],
  };
}

/**
 * The CloudFormation template the StackSet deploys in every account: the member role with the `audit`
 * permissions of core/aws/permissions.ts, its ARNs written with the pseudo parameters of the account it lands in.
 */
export function memberRoleTemplate(
  hubRoleArn: string,
  memberRoleName: string,
  tags: Record<string, string>,
  trail?: MemberTrail,
) {
  const statements = policyFor(trail ? ['audit', 'consumers', 'trail-read'] : ['audit', 'consumers'], {
    partition: pseudo('Partition'),
    account: pseudo('AccountId'),
    region: pseudo('Region'),
    // Each account's bucket: the placeholder becomes the account the template lands in.
    ...(trail
      ? {
          trail: {
            bucket: trail.bucket.replaceAll(ACCOUNT_PLACEHOLDER, pseudo('AccountId')),
            prefix: trail.prefix,
          },
        }
      : {}),
  }).map((statement) => ({
    ...statement,
    Resource: statement.Resource.map((arn) => (arn.includes('${') ? { 'Fn::Sub': arn } : arn)),
  }));
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'keywarden: read-only role for the organisation-wide IAM access key audit',
    Resources: {
      MemberRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: memberRoleName,
          Description: 'keywarden audit of IAM access key ages, assumed by the hub role only',
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: memberTrustPolicy(hubRoleArn),
          Policies: [
            {
              PolicyName: 'keywarden-audit-read-only',
              PolicyDocument: { Version: '2012-10-17', Statement: statements },
            },
          ],
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        },
      },
    },
  };
}

/** `${AWS::<name>}`: a CloudFormation pseudo parameter, resolved in the account the template lands in. */
function pseudo(name: string): string {
  return ['$', `{AWS::${name}}`].join('');
}
