import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { type Command, Option } from 'commander';
import { requireRegion } from '../../core/aws/clients.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { loadConfig } from '../../core/policy/load.js';
import {
  JsonlTrailStore,
  publicKeyFromKms,
  publicKeyFromPem,
  readAnchors,
  resolveTrailStore,
  S3TrailStore,
  type SignatureTrust,
  verificationReport,
  verifyTrail,
} from '../../core/trail/index.js';
import { type AwsFlags, addAwsOptions, awsOptions } from '../aws-options.js';
import type { Io } from '../io.js';
import { trailSigningKeyOption } from '../options.js';

interface VerifyOptions extends AwsFlags {
  trailFile?: string;
  trailBucket?: string;
  trailPrefix?: string;
  file?: string;
  bucket?: string;
  prefix?: string;
  config?: string;
  trailSigningKey?: string;
  publicKey?: string;
  anchor: string[];
  format: 'text' | 'json';
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerTrail(program: Command, io: Io, setExitCode: (code: number) => void): void {
  const trail = program.command('trail').description('The Part 11 audit trail of every key change.');
  const verifyCommand = trail
    .command('verify')
    .description(
      'Recompute the hash chain (S3: over every version and delete marker); exit 0 when intact, 1 naming the first bad seq when broken.',
    )
    .option('--trail-file <file>', 'a local JSONL trail')
    .option('--trail-bucket <bucket>', 'an S3 trail bucket (Object Lock)')
    .option('--trail-prefix <prefix>', 'key prefix of the records in the bucket (default: trail/)')
    .addOption(new Option('--file <file>', 'alias of --trail-file').hideHelp())
    .addOption(new Option('--bucket <bucket>', 'alias of --trail-bucket').hideHelp())
    .addOption(new Option('--prefix <prefix>', 'alias of --trail-prefix').hideHelp())
    .option(
      '--anchor <file>',
      'a record the trail must still hold: an earlier evidence manifest.json, or {"seq": N, "hash": "…"} (repeatable)',
      collect,
      [],
    )
    .addOption(trailSigningKeyOption('the key the trail must be signed by'))
    .option(
      '--public-key <file>',
      "the signing key's public half (PEM), to check signatures offline instead of asking KMS (GetPublicKey)",
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option(
      '--config <file>',
      'keywarden.yml, whose trail: section is used when no store is named (else ./keywarden-trail.jsonl, as rotate and evidence)',
    );
  addAwsOptions(verifyCommand, io, (options) => !options.trailBucket && !options.bucket).action(
    async (options: VerifyOptions) => setExitCode(await verify(options, io)),
  );
}

/** The alias and the option name one choice; both at once must agree. */
function either(name: string, primary: string | undefined, alias: string | undefined): string | undefined {
  if (primary !== undefined && alias !== undefined && primary !== alias) {
    throw new UsageError(`--trail-${name} and --${name} name the same thing: give one of them`);
  }
  return primary ?? alias;
}

async function verify(options: VerifyOptions, io: Io): Promise<number> {
  const file = either('file', options.trailFile, options.file);
  const bucket = either('bucket', options.trailBucket, options.bucket);
  const prefix = either('prefix', options.trailPrefix, options.prefix);
  if (prefix && !bucket) {
    throw new UsageError(
      `${options.trailPrefix ? '--trail-prefix' : '--prefix'} applies only with ${options.bucket ? '--bucket' : '--trail-bucket'}`,
    );
  }
  const anchors = await readAnchors(options.anchor, io.cwd);
  const { config } = await loadConfig({ file: options.config, asOf: io.clock(), cwd: io.cwd });
  // The same trail rotate and evidence use: the option, else the config's trail:, else ./keywarden-trail.jsonl.
  const aws = awsOptions(options, io);
  const { store, origin, signingKey } = resolveTrailStore(
    { file, bucket, prefix, aws, signingKey: options.trailSigningKey },
    config,
    io.cwd,
  );
  const signatures: SignatureTrust = {
    keyArn: signingKey ?? undefined,
    publicKey: options.publicKey ? await readPublicKey(options.publicKey, io.cwd) : undefined,
    fetchPublicKey: (keyArn) => publicKeyFromKms(keyArn, aws),
  };
  if (store instanceof S3TrailStore) await requireRegion(aws, 'the S3 trail bucket');
  const { verification } = await verifyTrail(store, { anchors, signatures });
  const shown = origin === 'default' ? `${store.description} (the default trail)` : store.description;
  if (verification.intact && verification.records === 0 && store instanceof JsonlTrailStore) {
    throw new UsageError(
      origin === 'default'
        ? `${store.file} (the default trail): no trail records (name the trail with --trail-file or --trail-bucket, or the config's trail: section)`
        : `${store.file}: no trail records (is the path right?)`,
    );
  }
  if (options.format === 'json') {
    io.stdout.write(`${JSON.stringify(verificationReport(store.description, verification), null, 2)}\n`);
  } else if (verification.intact) {
    const anchored =
      anchors.length > 0 ? `; ${anchors.length} anchor${anchors.length === 1 ? '' : 's'} hold` : '';
    const { signing } = verification;
    const signed = signing
      ? `; signed from seq ${signing.firstSignedSeq} by ${signing.keyArn}${signing.pinned ? '' : ' (the key the trail names: pass --trail-signing-key or --public-key to require it)'}`
      : signingKey
        ? `; no record is signed (by ${signingKey} or any key)`
        : '';
    io.stdout.write(`trail intact: ${verification.records} records in ${shown}${anchored}${signed}\n`);
  } else {
    io.stdout.write(`trail broken at seq ${verification.firstBadSeq}: ${verification.problem} (${shown})\n`);
  }
  return verification.intact ? ExitCode.ok : ExitCode.findings;
}

async function readPublicKey(file: string, cwd: string) {
  let text: string;
  try {
    text = await readFile(isAbsolute(file) ? file : join(cwd, file), 'utf8');
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'error';
    throw new UsageError(`--public-key ${file}: cannot read it (${code})`, { cause: err });
  }
  return publicKeyFromPem(text, file);
}
