import type { Command } from 'commander';
import type { AwsClientOptions } from '../core/aws/clients.js';
import type { Io } from './io.js';

/** `--profile` and `--region`, meaning the same on every command that calls AWS. */
export interface AwsFlags {
  profile?: string;
  region?: string;
}

export function addAwsOptions(command: Command): Command {
  return command
    .option(
      '--profile <name>',
      'AWS profile for the SDK’s chain: credentials and region (default: AWS_PROFILE)',
    )
    .option('--region <region>', 'AWS region; wins over AWS_REGION, AWS_DEFAULT_REGION and the profile');
}

export function awsOptions(flags: AwsFlags, io: Io): AwsClientOptions {
  return { region: flags.region, profile: flags.profile, env: io.env };
}
