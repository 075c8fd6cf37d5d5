import { policyFor } from '../../core/permissions.js';
import type { PolicyDocument } from '../policy-document.js';
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
 * What the role may do: the audit's calls as core/permissions.ts lists them (the credential report and
 * the user list account-wide, each user's keys and tags per user), and nothing that changes anything.
 */
export function auditPolicy(partition: string, account: string, region: string): PolicyDocument {
  return { Version: '2012-10-17', Statement: policyFor(['audit'], { partition, account, region }) };
}
