import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import main from '../../../stacks/audit-role/index.js';
import { auditRoleSettingsSchema } from '../../../stacks/audit-role/settings.js';
import { readStackSettings } from '../../../stacks/settings.js';
import { MOCK_ACCOUNT, parsePolicy, runProgram } from '../../support/pulumi-program.js';

const PROJECT = 'keywarden-audit-role';
const run = (config: Record<string, unknown>) => runProgram(PROJECT, main, config);

describe('keywarden-audit-role stack', () => {
  it('trusts only GitHub tokens for the configured repository branch and environment', async () => {
    // Prepare
    const config = { repository: 'acme/infra', branches: ['main'], environments: ['audit'] };

    // Act
    const stack = await run(config);

    // Assess
    const role = stack.one('aws:iam/role:Role');
    const trust = parsePolicy(role.inputs.assumeRolePolicy);
    expect(trust.Statement).toEqual([
      {
        Sid: 'GitHubActionsOfOneRepository',
        Effect: 'Allow',
        Principal: { Federated: stack.outputs.oidcProviderArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': [
              'repo:acme/infra:ref:refs/heads/main',
              'repo:acme/infra:environment:audit',
            ],
          },
        },
      },
    ]);
  });

  it('creates the GitHub OIDC provider for the sts.amazonaws.com audience', async () => {
    // Act
    const stack = await run({ repository: 'acme/infra', branches: ['main'] });

    // Assess
    const provider = stack.one('aws:iam/openIdConnectProvider:OpenIdConnectProvider');
    expect(provider.inputs.url).toBe('https://token.actions.githubusercontent.com');
    expect(provider.inputs.clientIdLists).toEqual(['sts.amazonaws.com']);
    expect(stack.outputs.oidcProviderArn).toMatch(/^arn:aws:iam:/);
  });

  it('reuses an existing OIDC provider instead of creating a second one', async () => {
    // Prepare
    const existing = `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;

    // Act
    const stack = await run({ repository: 'acme/infra', branches: ['main'], oidcProviderArn: existing });

    // Assess
    expect(stack.all('aws:iam/openIdConnectProvider:OpenIdConnectProvider')).toEqual([]);
    expect(
      parsePolicy(stack.one('aws:iam/role:Role').inputs.assumeRolePolicy).Statement[0]?.Principal,
    ).toEqual({
      Federated: existing,
    });
  });

  it('grants exactly the read-only audit calls and attaches nothing else', async () => {
    // Act
    const stack = await run({ repository: 'acme/infra', branches: ['main'] });

    // Assess
    const policy = parsePolicy(stack.one('aws:iam/rolePolicy:RolePolicy').inputs.policy);
    expect(policy.Statement).toEqual([
      {
        Sid: 'Any',
        Effect: 'Allow',
        Action: [
          'cloudtrail:LookupEvents',
          'iam:GenerateCredentialReport',
          'iam:GetCredentialReport',
          'iam:ListEntitiesForPolicy',
          'iam:ListUsers',
        ],
        Resource: ['*'],
      },
      {
        Sid: 'IamUser',
        Effect: 'Allow',
        Action: [
          'iam:GetAccessKeyLastUsed',
          'iam:ListAccessKeys',
          'iam:ListAttachedUserPolicies',
          'iam:ListUserTags',
        ],
        Resource: [`arn:aws:iam::${MOCK_ACCOUNT}:user/*`],
      },
    ]);
    expect(stack.all('aws:iam/rolePolicyAttachment:RolePolicyAttachment')).toEqual([]);
    expect(stack.one('aws:iam/role:Role').inputs.managedPolicyArns).toBeUndefined();
  });

  it('trusts pull_request runs only when allowPullRequests is set', async () => {
    // Act
    const stack = await run({ repository: 'acme/infra', allowPullRequests: true });

    // Assess
    const trust = parsePolicy(stack.one('aws:iam/role:Role').inputs.assumeRolePolicy);
    const condition = trust.Statement[0]?.Condition as Record<string, Record<string, unknown>>;
    expect(condition.StringEquals?.['token.actions.githubusercontent.com:sub']).toEqual([
      'repo:acme/infra:pull_request',
    ]);
    expect(stack.outputs.trustedSubjects).toEqual(['repo:acme/infra:pull_request']);
  });

  it('tags the role and the provider as the audit-role component', async () => {
    // Act
    const stack = await run({ repository: 'acme/infra', branches: ['main'] });

    // Assess
    const tagged = [
      stack.one('aws:iam/role:Role'),
      stack.one('aws:iam/openIdConnectProvider:OpenIdConnectProvider'),
    ];
    for (const resource of tagged)
      expect(resource.inputs.tags).toEqual({ 'keywarden:component': 'audit-role' });
  });

  it('exports the role ARN, the provider ARN and the trusted subjects', async () => {
    // Act
    const stack = await run({ repository: 'acme/infra', branches: ['main'], roleName: 'audit-from-gh' });

    // Assess
    expect(Object.keys(stack.outputs).sort()).toEqual(['oidcProviderArn', 'roleArn', 'trustedSubjects']);
    expect(stack.outputs.roleArn).toContain('audit-from-gh');
    expect(stack.one('aws:iam/role:Role').inputs.maxSessionDuration).toBe(3600);
  });

  it.each([
    [{ branches: ['main'] }, 'repository: Invalid input: expected string, received undefined'],
    [
      { repository: 'acme', branches: ['main'] },
      'repository: must be a GitHub repository written owner/name',
    ],
    [
      { repository: 'acme/infra' },
      'branches: set at least one of branches, environments or allowPullRequests',
    ],
    [{ repository: 'acme/infra', branches: ['release/*'] }, 'branches[0]: must name one branch: wildcards'],
    [{ repository: 'acme/infra', branches: ['main'], roles: 'x' }, 'unknown key "roles"'],
    [{ repository: 'acme/infra', branches: 'main' }, 'branches: Invalid input: expected array'],
  ])('refuses the config %j with a RunError naming the bad key', (config, message) => {
    // Prepare
    const pulumiConfig = Object.fromEntries(
      Object.entries(config).map(([key, value]) => [
        `${PROJECT}:${key}`,
        typeof value === 'string' ? value : JSON.stringify(value),
      ]),
    );

    // Act
    const attempt = () => readStackSettings(auditRoleSettingsSchema, pulumiConfig, PROJECT);

    // Assess
    expect(attempt).toThrow(`${PROJECT} config: ${message}`);
    expect(catching(attempt)).toSatisfy((err) => pulumi.RunError.isInstance(err));
  });
});

function catching(work: () => unknown): unknown {
  try {
    work();
  } catch (err) {
    return err;
  }
  return undefined;
}
