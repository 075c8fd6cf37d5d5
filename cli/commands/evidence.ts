import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { loadRegion, requireRegion } from '../../core/aws/clients.js';
import type { OldKeyConsumerSource } from '../../core/consumers/sighting.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { generateEvidence } from '../../core/evidence/generate.js';
import { resolvePeriod } from '../../core/evidence/model.js';
import type { SourceName } from '../../core/inventory/records.js';
import { loadConfig } from '../../core/policy/load.js';
import { parseInstant } from '../../core/time.js';
import { accountTrailBucket, readAnchors, resolveTrailStore, S3TrailStore } from '../../core/trail/index.js';
import { type AccountsFlags, accountsSelection, addAccountsOptions } from '../accounts-options.js';
import { type AwsFlags, addAwsOptions, awsOptions } from '../aws-options.js';
import type { Io } from '../io.js';
import {
  aliasOf,
  configOption,
  STANDARD_STREAM,
  trailBucketOption,
  trailFileOption,
  trailPrefixOption,
  trailSigningKeyOption,
} from '../options.js';

interface EvidenceOptions extends AwsFlags, AccountsFlags {
  source: SourceName;
  credentialReport?: string;
  config?: string;
  asOf?: string;
  trailFile?: string;
  trailBucket?: string;
  trailPrefix?: string;
  trailSigningKey?: string;
  anchor: string[];
  accountTrailBucket?: string;
  accountTrailPrefix?: string;
  from?: string;
  to?: string;
  output: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerEvidence(program: Command, io: Io, setExitCode: (code: number) => void): void {
  const command = program
    .command('evidence')
    .description(
      'Write an evidence pack for a QA reviewer: evidence.html, evidence.md, SHA256SUMS and manifest.json (a signed trail adds its public key, records and an openssl recipe).',
    )
    .requiredOption('--output <dir>', 'a new or empty directory for the pack (alias: --out)')
    .addOption(aliasOf('--out <dir>', 'output'))
    .addOption(
      new Option('--source <source>', 'where live key data comes from')
        .choices(['credential-report', 'api'])
        .default('credential-report'),
    )
    .option('--credential-report <file>', 'use a saved credential report instead of asking IAM')
    .addOption(configOption())
    .option('--as-of <iso>', 'evaluate key ages as of this instant instead of now')
    .addOption(trailFileOption('read and append to'))
    .addOption(trailBucketOption('read and append to'))
    .addOption(trailPrefixOption())
    .addOption(aliasOf('--prefix <prefix>', 'trailPrefix'))
    .addOption(
      trailSigningKeyOption(
        "sign the pack's trail record with this key, and check the trail's signatures against it",
      ),
    )
    .option(
      '--anchor <file>',
      'an earlier pack\'s manifest.json (or {"seq": N, "hash": "…"}): the trail must still hold that record (repeatable)',
      collect,
      [],
    )
    .option(
      '--account-trail-bucket <name>',
      "with --accounts: each account's own S3 trail bucket, {account} standing for its ID (read through its role)",
    )
    .option(
      '--account-trail-prefix <prefix>',
      'key prefix of the records in each --account-trail-bucket (default: trail/)',
    )
    .option('--from <date>', 'start of the trail period (default: maxKeyAgeDays before --to)')
    .option(
      '--to <date>',
      'end of the trail period; a date means the end of that UTC day (default: --as-of)',
    );
  addAwsOptions(addAccountsOptions(command), io).action(async (options: EvidenceOptions) =>
    setExitCode(await evidence(options, io)),
  );
}

/**
 * Exit codes: 0 pack written, trail intact · 1 pack written, but the trail is broken or an anchor does not
 * hold (the pack says so and its digest is not appended to a trail under suspicion) · 2 bad input, nothing
 * written · 3 incomplete (the audit or the trail could not be read; or the pack was written but its digest
 * could not be recorded).
 */
async function evidence(options: EvidenceOptions, io: Io): Promise<number> {
  const generatedAt = io.clock();
  const asOf = options.asOf ? parseInstant(options.asOf) : generatedAt;
  const prefix = options.trailPrefix;
  if (prefix && !options.trailBucket) throw new UsageError('--trail-prefix applies only with --trail-bucket');
  if (options.output === STANDARD_STREAM)
    throw new UsageError(
      '--output -: an evidence pack is a directory of files; name a new or empty directory',
    );
  const accounts = await accountsSelection(options, io);
  const accountTrail = ownTrails(options, accounts !== null);
  const anchors = await readAnchors(options.anchor, io.cwd);
  const loaded = await loadConfig({ file: options.config, asOf, cwd: io.cwd });
  const period = resolvePeriod(options, asOf, loaded.config.maxKeyAgeDays);
  const out = resolve(io.cwd, options.output);
  await checkOutDir(options.output, out);
  const trail = resolveTrailStore(
    {
      file: options.trailFile,
      bucket: options.trailBucket,
      prefix,
      signingKey: options.trailSigningKey,
      aws: awsOptions(options, io),
    },
    loaded.config,
    io.cwd,
  );
  if (trail.store instanceof S3TrailStore || accountTrail) {
    await requireRegion(awsOptions(options, io), 'the S3 trail bucket');
  }

  const consumers = await rotationConsumerSource(options, io, accounts !== null);
  let created = false;
  const outcome = await generateEvidence(
    {
      loaded,
      asOf,
      generatedAt,
      period,
      source: options.source,
      credentialReportFile: options.credentialReport,
      cwd: io.cwd,
      trail,
      anchors,
      outLabel: options.output,
      aws: awsOptions(options, io),
      accounts: accounts ? { ...accounts, accountTrail } : undefined,
      consumers,
    },
    {
      async write(name, content) {
        if (!created) await mkdir(out, { recursive: true });
        created = true;
        await writeFile(`${out}/${name}`, content, { flag: 'wx' });
      },
    },
    (line) => io.stderr.write(`keywarden: ${line}\n`),
  );
  const { broken, packSha256, packRecord, verification } = outcome;
  if (packRecord === null) {
    // An account's broken trail holds back the digest from the pack's own trail too: the pack is under suspicion.
    const trail = verification.intact ? `the pack's trail` : 'the broken trail';
    io.stderr.write(
      `keywarden: ${broken.join('; ')}; evidence written to ${options.output} says so; its digest was not appended to ${trail}\n`,
    );
    return ExitCode.findings;
  }
  io.stderr.write(
    `keywarden: evidence written to ${options.output} (pack sha256 ${packSha256}, trail seq ${packRecord.seq})\n`,
  );
  return ExitCode.ok;
}

/** `--account-trail-bucket` / `--account-trail-prefix`, checked before anything touches AWS. */
function ownTrails(
  options: EvidenceOptions,
  manyAccounts: boolean,
): { bucket: string; prefix?: string | undefined } | undefined {
  const { accountTrailBucket: bucket, accountTrailPrefix: prefix } = options;
  if (!bucket) {
    if (prefix) throw new UsageError('--account-trail-prefix applies only with --account-trail-bucket');
    return undefined;
  }
  if (!manyAccounts) throw new UsageError('--account-trail-bucket needs --accounts');
  accountTrailBucket(bucket, '111111111111'); // any ID: the name's shape is what is checked
  return { bucket, prefix };
}

/** Refuses an --output that would mix with or overwrite an earlier pack, or cannot be written. Changes nothing. */
async function checkOutDir(given: string, dir: string): Promise<void> {
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    // ENOTDIR: a part of the path is a file; the walk below names it.
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
    throw new UsageError(`--output ${given}: cannot use it (${err.code ?? 'error'})`);
  });
  if (info === null) {
    let parent = dirname(dir);
    for (;;) {
      const parentInfo = await stat(parent).catch(() => null);
      if (parentInfo) {
        if (!parentInfo.isDirectory())
          throw new UsageError(`--output ${given}: ${parent} is not a directory`);
        return;
      }
      if (dirname(parent) === parent) return;
      parent = dirname(parent);
    }
  }
  if (!info.isDirectory()) throw new UsageError(`--output ${given}: is a file, not a directory`);
  if ((await readdir(dir)).length > 0) {
    throw new UsageError(
      `--output ${given}: the directory is not empty; write each evidence pack to a new or empty directory`,
    );
  }
}

/**
 * Who used each rotated key, for a live pack of one account in a region: CloudTrail of that region, at most three
 * rotations (two lookups each). An offline pack (--credential-report) or one over many accounts has none.
 */
async function rotationConsumerSource(
  options: EvidenceOptions,
  io: Io,
  manyAccounts: boolean,
): Promise<OldKeyConsumerSource | undefined> {
  if (options.credentialReport || manyAccounts) return undefined;
  const aws = awsOptions(options, io);
  const { region } = await loadRegion({ ...aws, global: false });
  if (!region) return undefined;
  const [{ ConsumerFinder }, { createCloudTrailClient }] = await Promise.all([
    import('../../core/consumers/finder.js'),
    import('../../core/consumers/client.js'),
  ]);
  return new ConsumerFinder(createCloudTrailClient({ ...aws, region }), region, { maxLookups: 6 });
}
