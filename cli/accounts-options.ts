// `--accounts`, `--role-name`, `--ou`, `--external-id`, `--concurrency`: one definition for every command that
// covers many accounts through STS AssumeRole (`audit`, `evidence`), so that they mean the same on each.
import type { Command } from 'commander';
import { type AccountsSpec, DEFAULT_ACCOUNT_CONCURRENCY, parseAccountsSpec } from '../core/accounts/spec.js';
import { UsageError } from '../core/errors.js';
import type { Io } from './io.js';
import { wholeNumber } from './options.js';

export interface AccountsFlags {
  accounts?: string;
  roleName?: string;
  ou: string[];
  externalId?: string;
  concurrency?: number;
}

/** What a many-accounts run needs besides the audit's own request (see core/accounts/audit.ts). */
export interface AccountsSelection {
  spec: AccountsSpec;
  roleName: string;
  externalId?: string | undefined;
  /** Names keywarden and this run in each account's CloudTrail. */
  run: string;
  concurrency?: number | undefined;
}

export function addAccountsOptions(command: Command): Command {
  return command
    .option(
      '--accounts <spec>',
      'cover many accounts through STS AssumeRole: organization, ID,ID,… or a file of IDs (- = stdin)',
    )
    .option('--role-name <name>', 'with --accounts: the role assumed in every account')
    .option(
      '--ou <id>',
      'with --accounts organization: only accounts in this organizational unit and its children (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--external-id <id>', 'with --accounts: the external ID the member role requires')
    .option(
      '--concurrency <n>',
      `with --accounts: accounts read at once (default ${DEFAULT_ACCOUNT_CONCURRENCY})`,
      wholeNumber({ min: 1, max: 64 }),
    );
}

/**
 * The accounts a run covers, checked before anything touches AWS; null for the one account of the caller.
 * `credentialReport` is the command's saved report, which covers one account and so excludes `--accounts`.
 */
export async function accountsSelection(
  flags: AccountsFlags & { credentialReport?: string | undefined },
  io: Io,
): Promise<AccountsSelection | null> {
  if (!flags.accounts) {
    if (flags.roleName || flags.ou.length > 0 || flags.externalId || flags.concurrency) {
      throw new UsageError('--role-name, --ou, --external-id and --concurrency need --accounts');
    }
    return null;
  }
  if (flags.credentialReport) {
    throw new UsageError('--credential-report reads one saved report; it cannot be combined with --accounts');
  }
  if (!flags.roleName)
    throw new UsageError('--accounts needs --role-name (the role assumed in every account)');
  const spec = await parseAccountsSpec(flags.accounts, flags.ou, {
    cwd: io.cwd,
    readStdin: () => readAll(io.stdin),
  });
  return {
    spec,
    roleName: flags.roleName,
    externalId: flags.externalId,
    run: String(Math.floor(io.clock().getTime() / 1000)),
    concurrency: flags.concurrency,
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += String(chunk);
    if (text.length > 1024 * 1024) throw new UsageError('--accounts -: standard input is larger than 1 MB');
  }
  return text;
}
