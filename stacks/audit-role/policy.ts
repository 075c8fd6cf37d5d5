import type { PolicyDocument } from '../policy-document.js';
import { type AuditRoleSettings, GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from './settings.js';

/**
 * The IAM calls an audit makes, and nothing more: the credential report (default source) and the API
 * walk (`--source api`). The credential-report calls and ListUsers take no resource ARN; the per-user
 * reads are limited to the account's users.
 */
export const AUDIT_ACCOUNT_ACTIONS = [
  'iam:GenerateCredentialReport',
  'iam:GetCredentialReport',
  'iam:ListUsers',
] as const;
export const AUDIT_USER_ACTIONS = [
  'iam:ListAccessKeys',
  'iam:GetAccessKeyLastUsed',
  'iam:ListUserTags',
] as const;

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

/** What the role may do: read the account's keys' ages and tags, never change anything. */
export function auditPolicy(partition: string, account: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'CredentialReportAndUserList',
        Effect: 'Allow',
        Action: [...AUDIT_ACCOUNT_ACTIONS],
        Resource: '*',
      },
      {
        Sid: 'ReadUsersKeysAndTags',
        Effect: 'Allow',
        Action: [...AUDIT_USER_ACTIONS],
        Resource: `arn:${partition}:iam::${account}:user/*`,
      },
    ],
  };
}
