import { z } from 'zod';

/** The audience GitHub puts in its OIDC tokens when aws-actions/configure-aws-credentials asks for one. */
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

// Each trusted subject is matched with StringEquals, so a wildcard would be a literal character that
// never matches: refuse it and make people list what they mean.
const noWildcards = (what: string) =>
  z
    .string()
    .min(1)
    .max(255)
    .refine((value) => !/[*?]/.test(value), `must name one ${what}: wildcards are not allowed`);

/** Settings of the `keywarden-audit-role` Pulumi project (`pulumi config set <key> <value>`). */
export const auditRoleSettingsSchema = z
  .object({
    repository: z
      .string()
      .regex(
        /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/,
        'must be a GitHub repository written owner/name',
      )
      .describe('The repository whose workflows may assume the audit role.'),
    branches: z
      .array(noWildcards('branch'))
      .default([])
      .describe('Branches whose workflow runs may assume the role (push, schedule, workflow_dispatch).'),
    environments: z
      .array(noWildcards('environment'))
      .default([])
      .describe('GitHub deployment environments whose jobs may assume the role.'),
    allowPullRequests: z
      .boolean()
      .default(false)
      .describe('Let pull_request runs of the repository (never of forks) assume the role.'),
    roleName: z
      .string()
      .regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name (1-64 of A-Z a-z 0-9 +=,.@_-)')
      .default('keywarden-audit')
      .describe('Name of the IAM role the Action assumes.'),
    oidcProviderArn: z
      .string()
      .regex(
        /^arn:aws[\w-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/,
        'must be the ARN of the account’s existing GitHub OIDC provider',
      )
      .optional()
      .describe('Reuse the account’s GitHub OIDC provider instead of creating one (an account holds one).'),
    maxSessionDurationSeconds: z
      .number()
      .int()
      .min(3600)
      .max(43200)
      .default(3600)
      .describe('Longest session the role grants, in seconds.'),
  })
  .strict()
  .refine(
    (settings) => settings.branches.length + settings.environments.length > 0 || settings.allowPullRequests,
    {
      message:
        'set at least one of branches, environments or allowPullRequests: the role must trust something',
      path: ['branches'],
    },
  );

export type AuditRoleSettings = z.output<typeof auditRoleSettingsSchema>;
