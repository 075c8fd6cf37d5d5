import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { componentTags, StackComponent } from '../../core/infra/stack-tags.js';
import {
  auditPolicy,
  hubPolicy,
  memberRoleTemplate,
  memberTrustPolicy,
  trustedSubjects,
  trustPolicy,
} from './policy.js';
import { type AuditRoleSettings, GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from './settings.js';

export interface AuditRoleOutputs {
  roleArn: pulumi.Output<string>;
  oidcProviderArn: pulumi.Output<string>;
  trustedSubjects: string[];
  /** Organisation mode: the role-name input of the Action, and the StackSet that deploys it. */
  memberRoleName?: string;
  stackSetName?: pulumi.Output<string>;
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
  const organization = settings.organization;
  const organizationInfo = organization ? aws.organizations.getOrganizationOutput() : undefined;
  new aws.iam.RolePolicy('audit-permissions', {
    role: role.name,
    name: 'keywarden-audit-read-only',
    policy:
      organization && organizationInfo
        ? pulumi
            .all([partition, organizationInfo.id])
            .apply(([partitionName, organizationId]) =>
              JSON.stringify(hubPolicy(partitionName, organizationId, organization.memberRoleName)),
            )
        : pulumi
            .all([partition, account, region])
            .apply(([partitionName, accountId, regionName]) =>
              JSON.stringify(auditPolicy(partitionName, accountId, regionName)),
            ),
  });

  const outputs: AuditRoleOutputs = {
    roleArn: role.arn,
    oidcProviderArn,
    trustedSubjects: trustedSubjects(settings),
  };
  if (!organization || !organizationInfo) return outputs;
  outputs.memberRoleName = organization.memberRoleName;
  const memberTrail = organization.memberTrailBucket
    ? { bucket: organization.memberTrailBucket, prefix: organization.memberTrailPrefix }
    : undefined;

  if (organization.memberRoleInThisAccount) {
    // The StackSet reaches member accounts only; this account gets its member role here.
    const member = new aws.iam.Role('member-role', {
      name: organization.memberRoleName,
      description: 'keywarden audit of IAM access key ages, assumed by the hub role only',
      assumeRolePolicy: role.arn.apply((arn) => JSON.stringify(memberTrustPolicy(arn))),
      maxSessionDuration: 3600,
      tags,
    });
    new aws.iam.RolePolicy('member-permissions', {
      role: member.name,
      name: 'keywarden-audit-read-only',
      policy: pulumi
        .all([partition, account, region])
        .apply(([partitionName, accountId, regionName]) =>
          JSON.stringify(auditPolicy(partitionName, accountId, regionName, memberTrail)),
        ),
    });
  }

  if (organization.stackSet) {
    const stackSet = new aws.cloudformation.StackSet('member-roles', {
      name: 'keywarden-audit-member-role',
      description: 'keywarden: the read-only audit role in every account of the organization',
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      callAs: organization.callAs,
      capabilities: ['CAPABILITY_NAMED_IAM'],
      templateBody: role.arn.apply((arn) =>
        JSON.stringify(memberRoleTemplate(arn, organization.memberRoleName, tags, memberTrail)),
      ),
      managedExecution: { active: true },
      tags,
    });
    new aws.cloudformation.StackSetInstance('member-roles-everywhere', {
      stackSetName: stackSet.name,
      callAs: organization.callAs,
      // IAM is global: one region per account is enough.
      stackSetInstanceRegion: region,
      deploymentTargets: {
        organizationalUnitIds:
          organization.organizationalUnits.length > 0
            ? organization.organizationalUnits
            : organizationInfo.roots.apply((roots) => roots.map((root) => root.id)),
      },
      operationPreferences: {
        failureTolerancePercentage: 10,
        maxConcurrentPercentage: 25,
        regionConcurrencyType: 'PARALLEL',
      },
    });
    outputs.stackSetName = stackSet.name;
  }
  return outputs;
}
