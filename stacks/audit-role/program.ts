import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { componentTags, StackComponent } from '../../core/stack-tags.js';
import { auditPolicy, trustedSubjects, trustPolicy } from './policy.js';
import { type AuditRoleSettings, GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from './settings.js';

export interface AuditRoleOutputs {
  roleArn: pulumi.Output<string>;
  oidcProviderArn: pulumi.Output<string>;
  trustedSubjects: string[];
}

/**
 * The GitHub OIDC provider (unless the account already has one) and the role the Action assumes:
 * trusted only by the configured repository's branches, environments or pull requests, allowed only
 * the read-only calls of an audit. No managed policy is attached, so nothing else can creep in.
 */
export function auditRoleProgram(settings: AuditRoleSettings): AuditRoleOutputs {
  const tags = componentTags(StackComponent.auditRole);
  const oidcProviderArn = settings.oidcProviderArn
    ? pulumi.output(settings.oidcProviderArn)
    : new aws.iam.OpenIdConnectProvider('github-oidc', {
        url: `https://${GITHUB_OIDC_HOST}`,
        clientIdLists: [GITHUB_OIDC_AUDIENCE],
        tags,
      }).arn;

  const role = new aws.iam.Role('audit-role', {
    name: settings.roleName,
    description: `keywarden audit of IAM access key ages from GitHub Actions of ${settings.repository}`,
    assumeRolePolicy: oidcProviderArn.apply((arn) => JSON.stringify(trustPolicy(settings, arn))),
    maxSessionDuration: settings.maxSessionDurationSeconds,
    tags,
  });

  const partition = aws.getPartitionOutput().partition;
  const account = aws.getCallerIdentityOutput().accountId;
  const region = aws.getRegionOutput().region;
  new aws.iam.RolePolicy('audit-permissions', {
    role: role.name,
    name: 'keywarden-audit-read-only',
    policy: pulumi
      .all([partition, account, region])
      .apply(([partitionName, accountId, regionName]) =>
        JSON.stringify(auditPolicy(partitionName, accountId, regionName)),
      ),
  });

  return { roleArn: role.arn, oidcProviderArn, trustedSubjects: trustedSubjects(settings) };
}
