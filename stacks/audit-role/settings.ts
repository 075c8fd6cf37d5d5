import { z } from 'zod';
import { errorMessage } from '../../core/errors.js';
import { SETTING_DEFAULTS } from '../../core/policy/settings.js';
import { accountTrailBucket } from '../../core/trail/account-trail.js';

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

/**
 * Organisation mode: the role above becomes the hub (it may only assume the member role in the
 * organization's accounts and read Organizations), and a service-managed StackSet puts the read-only member
 * role in every account of the organization or of the units named, including accounts created later.
 */
export const organizationSettingsSchema = z
  .object({
    memberRoleName: z
      .string()
      .regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name (1-64 of A-Z a-z 0-9 +=,.@_-)')
      .default('keywarden-audit-member')
      .describe('Name of the read-only role in every member account (the Action input role-name).'),
    organizationalUnits: z
      .array(
        z.string().regex(/^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/, 'must be an OU or root ID'),
      )
      .default([])
      .describe('Deploy the member role to these OUs (and their children); empty: the organization root.'),
    stackSet: z
      .boolean()
      .default(true)
      .describe('Create the StackSet here (the management or a delegated administrator account).'),
    callAs: z
      .enum(['SELF', 'DELEGATED_ADMIN'])
      .default('SELF')
      .describe('SELF in the management account, DELEGATED_ADMIN in a delegated administrator account.'),
    memberRoleInThisAccount: z
      .boolean()
      .default(true)
      .describe(
        'Also create the member role in this account: a service-managed StackSet never deploys to the management account.',
      ),
    memberTrailBucket: z
      .string()
      .superRefine((template, context) => {
        try {
          accountTrailBucket(template, '111111111111', 'memberTrailBucket');
        } catch (err) {
          context.addIssue({ code: 'custom', message: errorMessage(err) });
        }
      })
      .optional()
      .describe(
        "Each account's own trail bucket, {account} for its ID: the member role may then read that trail (keywarden evidence --account-trail-bucket).",
      ),
    memberTrailPrefix: z
      .string()
      .default(SETTING_DEFAULTS.trail.prefix)
      .describe('Key prefix of the records in memberTrailBucket.'),
  })
  .strict();

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
    organization: organizationSettingsSchema
      .optional()
      .describe('Audit every account of the AWS Organization from this role (hub) through member roles.'),
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
