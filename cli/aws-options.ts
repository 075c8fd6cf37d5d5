import type { Command } from 'commander';
import type { AwsClientOptions } from '../core/aws/clients.js';
import type { Io } from './io.js';

/** `--profile` and `--region`, meaning the same on every command that calls AWS. */
export interface AwsFlags {
  profile?: string;
  region?: string;
}

/**
 * Adds `--profile` and `--region`, and checks them (with AWS_PROFILE, AWS_REGION and the profile's region) before
 * the command runs: a value that cannot be right is a usage error naming it, before anything touches AWS
 * (`core/aws/clients.ts` `checkAwsOptions`, which doctor shares). `offline` says when this run of the command
 * calls no AWS at all (an audit of a saved report): then only the flags a person gave are checked.
 */
export function addAwsOptions(
  command: Command,
  io: Io,
  offline: (options: AwsFlags & Record<string, unknown>) => boolean = () => false,
): Command {
  return command
    .option(
      '--profile <name>',
      'AWS profile for the SDK’s chain: credentials and region (default: AWS_PROFILE)',
    )
    .option('--region <region>', 'AWS region; wins over AWS_REGION, AWS_DEFAULT_REGION and the profile')
    .hook('preAction', async (_command, action) => {
      const flags: AwsFlags & Record<string, unknown> = action.opts();
      const options = awsOptions(flags, io);
      const isOffline = offline(flags);
      if (isOffline && !flags.region && !flags.profile) return;
      // Loaded only when there is something to check: an offline audit never loads the AWS SDK.
      const { checkAwsOptions } = await import('../core/aws/clients.js');
      await checkAwsOptions(isOffline ? { ...options, env: {} } : options);
    });
}

export function awsOptions(flags: AwsFlags, io: Io): AwsClientOptions {
  return { region: flags.region, profile: flags.profile, env: io.env };
}
