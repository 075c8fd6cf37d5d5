import { type Command, Option } from 'commander';
import { createStsClient, requireRegion } from '../../core/aws/clients.js';
import { callerIdentity } from '../../core/aws/identity.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { loadConfig } from '../../core/policy/load.js';
import {
  LEASE_REQUIRED,
  LeaseRequiredError,
  leaseIsLive,
  leaseSettingsOf,
  releaseLeaseByHand,
  S3LeaseStore,
} from '../../core/rotation/index.js';
import { createS3Client, resolveTrailStore } from '../../core/trail/index.js';
import { type AwsFlags, addAwsOptions, awsOptions } from '../aws-options.js';
import type { Io } from '../io.js';
import {
  configOption,
  leaseBucketOption,
  trailBucketOption,
  trailFileOption,
  trailPrefixOption,
} from '../options.js';

interface LeaseOptions extends AwsFlags {
  user: string;
  config?: string;
  leaseBucket?: string;
  trailFile?: string;
  trailBucket?: string;
  trailPrefix?: string;
  yes?: boolean;
  reason?: string;
}

/** `keywarden lease show|release --user NAME`: who holds a user's rotation lease; an operator's release. */
export function registerLease(program: Command, io: Io, setExitCode: (code: number) => void): void {
  const lease = program
    .command('lease')
    .description(
      'The per-user lease through which overlapping rotation runs take turns (docs/overlapping-runs.md).',
    );
  const show = lease
    .command('show')
    .description('Say who holds a user’s lease and until when. Exit 0 free, 1 held.')
    .requiredOption('--user <name>', 'the IAM user')
    .addOption(configOption())
    .addOption(leaseBucketOption());
  addAwsOptions(show, io).action(async (options: LeaseOptions) => setExitCode(await showLease(options, io)));
  const release = lease
    .command('release')
    .description(
      'Release a user’s lease that a stopped run still holds (instead of waiting until it lapses), recorded in the trail.',
    )
    .requiredOption('--user <name>', 'the IAM user')
    .addOption(new Option('--reason <text>', 'why (kept in the trail record)').makeOptionMandatory())
    .option('--yes', 'do not ask for confirmation (required when not at a terminal)')
    .addOption(configOption())
    .addOption(leaseBucketOption())
    .addOption(trailFileOption('write the record to'))
    .addOption(trailBucketOption('write the record to'))
    .addOption(trailPrefixOption());
  addAwsOptions(release, io).action(async (options: LeaseOptions) =>
    setExitCode(await releaseLease(options, io)),
  );
}

async function leaseStoreFor(options: LeaseOptions, io: Io) {
  const { config } = await loadConfig({ file: options.config, asOf: io.clock(), cwd: io.cwd });
  const settings = leaseSettingsOf(config, options.leaseBucket);
  if (!settings) throw new LeaseRequiredError(LEASE_REQUIRED);
  const aws = awsOptions(options, io);
  await requireRegion(aws, 'keywarden lease (S3 holds the leases)');
  const client = createS3Client(aws);
  return { config, aws, client, store: new S3LeaseStore({ ...settings, client }) };
}

async function showLease(options: LeaseOptions, io: Io): Promise<number> {
  const { aws, client, store } = await leaseStoreFor(options, io);
  try {
    const { account } = await callerIdentity(createStsClient(aws));
    const current = await store.peek(account, options.user);
    if (!current || !leaseIsLive(current, Date.now())) {
      io.stdout.write(`${options.user}: no run holds the lease (${store.description})\n`);
      return ExitCode.ok;
    }
    io.stdout.write(
      `${options.user}: held by ${current.holder} until ${current.until.toISOString()} (${store.description})\n`,
    );
    return ExitCode.findings;
  } finally {
    client.destroy();
  }
}

async function releaseLease(options: LeaseOptions, io: Io): Promise<number> {
  if (!options.yes && !io.stdin.isTTY) {
    throw new UsageError('lease release lets another run change the user’s keys: pass --yes to confirm');
  }
  if (!options.reason?.trim())
    throw new UsageError('--reason: say why the lease is released (it is recorded)');
  const { config, aws, client, store } = await leaseStoreFor(options, io);
  const { store: trail } = resolveTrailStore(
    { file: options.trailFile, bucket: options.trailBucket, prefix: options.trailPrefix, aws },
    config,
    io.cwd,
  );
  try {
    const identity = await callerIdentity(createStsClient(aws));
    const released = await releaseLeaseByHand({
      lease: store,
      trail,
      account: identity.account,
      actor: identity.arn,
      user: options.user,
      why: options.reason,
      clock: io.clock,
    });
    io.stdout.write(
      released
        ? `${options.user}: released the lease of ${released.holder} (until ${released.until.toISOString()}); recorded in ${trail.description}. The next run repairs what that run left.\n`
        : `${options.user}: no run held the lease; nothing released, nothing recorded\n`,
    );
    return ExitCode.ok;
  } finally {
    client.destroy();
  }
}
