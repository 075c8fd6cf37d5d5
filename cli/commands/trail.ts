import type { Command } from 'commander';
import { requireRegion } from '../../core/aws.js';
import { loadConfig } from '../../core/config.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { resolveTrailStore, S3TrailStore } from '../../core/trail/index.js';
import { type AwsFlags, addAwsOptions, awsOptions } from '../aws-options.js';
import type { Io } from '../io.js';

interface VerifyOptions extends AwsFlags {
  file?: string;
  bucket?: string;
  prefix?: string;
  config?: string;
}

export function registerTrail(program: Command, io: Io, setExitCode: (code: number) => void): void {
  const trail = program.command('trail').description('The Part 11 audit trail of every key change.');
  const verifyCommand = trail
    .command('verify')
    .description('Recompute the hash chain; exit 0 when intact, 1 naming the first bad seq when broken.')
    .option('--file <file>', 'a local JSONL trail')
    .option('--bucket <bucket>', 'an S3 trail bucket (Object Lock)')
    .option('--prefix <prefix>', 'key prefix of the records in the bucket (default: trail/)')
    .option('--config <file>', 'keywarden.yml, whose trail: section is used when no store is named');
  addAwsOptions(verifyCommand).action(async (options: VerifyOptions) =>
    setExitCode(await verify(options, io)),
  );
}

async function verify(options: VerifyOptions, io: Io): Promise<number> {
  if (options.prefix && !options.bucket) throw new UsageError('--prefix applies only with --bucket');
  const { config } = await loadConfig({ file: options.config, asOf: io.clock(), cwd: io.cwd });
  if (!options.file && !options.bucket && !config.trail?.file && !config.trail?.bucket) {
    throw new UsageError(
      'trail verify: name the trail with --file F or --bucket B (or a config trail: section)',
    );
  }
  const { store } = resolveTrailStore(
    { file: options.file, bucket: options.bucket, prefix: options.prefix, aws: awsOptions(options, io) },
    config,
    io.cwd,
  );
  if (store instanceof S3TrailStore) await requireRegion(awsOptions(options, io), 'the S3 trail bucket');
  const result = await store.verify();
  if (result.intact) {
    if (result.records === 0 && options.file) {
      throw new UsageError(`${options.file}: no trail records (is the path right?)`);
    }
    io.stdout.write(`trail intact: ${result.records} records in ${store.description}\n`);
    return ExitCode.ok;
  }
  io.stdout.write(`trail broken at seq ${result.firstBadSeq}: ${result.problem} (${store.description})\n`);
  return ExitCode.findings;
}
