import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { runAudit } from '../../core/audit.js';
import { createIamClient, createStsClient, requireRegion } from '../../core/aws.js';
import { loadConfig } from '../../core/config.js';
import { describeError, ExitCode, IncompleteError, UsageError } from '../../core/errors.js';
import { renderEvidenceHtml } from '../../core/evidence/html.js';
import { renderEvidenceMarkdown } from '../../core/evidence/markdown.js';
import {
  buildEvidence,
  type EvidenceModel,
  type EvidenceTrailRecord,
  resolvePeriod,
  type TrailCheck,
} from '../../core/evidence/model.js';
import {
  buildManifest,
  digestPack,
  EVIDENCE_FILES,
  MANIFEST_FILE,
  type Manifest,
  SUMS_FILE,
} from '../../core/evidence/pack.js';
import { callerIdentity } from '../../core/identity.js';
import { parseInstant } from '../../core/time.js';
import {
  resolveTrailStore,
  S3TrailStore,
  type TrailRecord,
  type TrailStore,
  verifyRecords,
} from '../../core/trail/index.js';
import type { SourceName } from '../../core/types.js';
import { type AwsFlags, addAwsOptions, awsOptions } from '../aws-options.js';
import type { Io } from '../io.js';

interface EvidenceOptions extends AwsFlags {
  source: SourceName;
  credentialReport?: string;
  config?: string;
  asOf?: string;
  trailFile?: string;
  trailBucket?: string;
  prefix?: string;
  from?: string;
  to?: string;
  out: string;
}

/** The trail record of an evidence pack concerns the whole account, not one user. */
export const EVIDENCE_RECORD_USER = '*';

export function registerEvidence(program: Command, io: Io, setExitCode: (code: number) => void): void {
  const command = program
    .command('evidence')
    .description(
      'Write an evidence pack for a QA reviewer: evidence.html, evidence.md, SHA256SUMS and manifest.json.',
    )
    .requiredOption('--out <dir>', 'a new or empty directory for the pack')
    .addOption(
      new Option('--source <source>', 'where live key data comes from')
        .choices(['credential-report', 'api'])
        .default('credential-report'),
    )
    .option('--credential-report <file>', 'use a saved credential report instead of asking IAM')
    .option('--config <file>', 'keywarden.yml (default: ./keywarden.yml if present)')
    .option('--as-of <iso>', 'evaluate key ages as of this instant instead of now')
    .option('--trail-file <file>', 'a local JSONL trail')
    .option('--trail-bucket <bucket>', 'an S3 trail bucket (Object Lock)')
    .option('--prefix <prefix>', 'key prefix of the records in --trail-bucket (default: trail/)')
    .option('--from <date>', 'start of the trail period (default: maxKeyAgeDays before --to)')
    .option(
      '--to <date>',
      'end of the trail period; a date means the end of that UTC day (default: --as-of)',
    );
  addAwsOptions(command).action(async (options: EvidenceOptions) => setExitCode(await evidence(options, io)));
}

/**
 * Exit codes: 0 pack written, trail intact · 1 pack written, but the trail is broken (the pack says so and
 * its digest is not appended to a trail under suspicion) · 2 bad input, nothing written · 3 incomplete
 * (the audit or the trail could not be read; or the pack was written but its digest could not be recorded).
 */
async function evidence(options: EvidenceOptions, io: Io): Promise<number> {
  const generatedAt = io.clock();
  const asOf = options.asOf ? parseInstant(options.asOf) : generatedAt;
  if (options.prefix && !options.trailBucket)
    throw new UsageError('--prefix applies only with --trail-bucket');
  const loaded = await loadConfig({ file: options.config, asOf, cwd: io.cwd });
  const period = resolvePeriod(options, asOf, loaded.config.maxKeyAgeDays);
  const out = resolve(io.cwd, options.out);
  await checkOutDir(options.out, out);

  const { store, origin } = resolveTrailStore(
    {
      file: options.trailFile,
      bucket: options.trailBucket,
      prefix: options.prefix,
      aws: awsOptions(options, io),
    },
    loaded.config,
    io.cwd,
  );
  if (store instanceof S3TrailStore) await requireRegion(awsOptions(options, io), 'the S3 trail bucket');
  const stored = await store.read();
  if (stored.length === 0) {
    throw new UsageError(
      `no trail records in ${store.description}${origin === 'default' ? ' (the default trail)' : ''}: name the trail with --trail-file or --trail-bucket (or the config's trail: section)`,
    );
  }
  if (origin === 'default') io.stderr.write(`keywarden: trail: ${store.description} (the default)\n`);
  const verification = verifyRecords(stored);
  const check: TrailCheck = verification.intact
    ? { intact: true, records: verification.records }
    : {
        intact: false,
        records: verification.records,
        firstBadSeq: verification.firstBadSeq ?? 0,
        problem: verification.problem ?? 'the chain does not verify',
      };

  const report = await runAudit({
    config: loaded.config,
    asOf,
    source: options.source,
    credentialReportFile: options.credentialReport,
    ...(options.credentialReport ? {} : { client: createIamClient(awsOptions(options, io)) }),
  });
  if (report.gaps.length > 0) {
    throw new IncompleteError(
      `evidence needs a complete audit: ${report.gaps.length} part${report.gaps.length > 1 ? 's' : ''} of the account could not be read (first: ${report.gaps[0]?.scope}: ${report.gaps[0]?.reason})`,
    );
  }

  const model = buildEvidence({
    report,
    config: loaded.config,
    configFile:
      loaded.origin !== null && loaded.text !== null ? { origin: loaded.origin, text: loaded.text } : null,
    sourceLabel: options.credentialReport
      ? `credential report file ${options.credentialReport}`
      : options.source === 'api'
        ? 'live IAM API (ListUsers, ListAccessKeys, GetAccessKeyLastUsed)'
        : 'live IAM credential report',
    period,
    trail: { location: store.description, records: readableRecords(stored), check },
    generatedAt,
  });
  const files = [
    { name: EVIDENCE_FILES.html, content: renderEvidenceHtml(model) },
    { name: EVIDENCE_FILES.markdown, content: renderEvidenceMarkdown(model) },
  ];
  const digests = digestPack(files);
  await mkdir(out, { recursive: true });
  for (const file of [...files, { name: SUMS_FILE, content: digests.sums }]) {
    await writeFile(`${out}/${file.name}`, file.content, { flag: 'wx' });
  }

  const writeManifest = (packRecord: Manifest['trail']['packRecord']) =>
    writeFile(
      `${out}/${MANIFEST_FILE}`,
      `${JSON.stringify(buildManifest(model, digests, packRecord), null, 2)}\n`,
      {
        flag: 'wx',
      },
    );
  if (model.trail.events.length === 0) {
    io.stderr.write(
      `keywarden: note: the trail has no records for account ${model.account} in the period; the evidence says so\n`,
    );
  }
  if (!check.intact) {
    await writeManifest(null);
    io.stderr.write(
      `keywarden: the trail is BROKEN at seq ${check.firstBadSeq} (${check.problem}); evidence written to ${options.out} says so; its digest was not appended to the broken trail\n`,
    );
    return ExitCode.findings;
  }
  const record = await recordPack(store, model, digests.packSha256, options, generatedAt);
  await writeManifest({ seq: record.seq, hash: record.hash });
  io.stderr.write(
    `keywarden: evidence written to ${options.out} (pack sha256 ${digests.packSha256}, trail seq ${record.seq})\n`,
  );
  return ExitCode.ok;
}

/** Refuses an --out that would mix with or overwrite an earlier pack, or cannot be written. Changes nothing. */
async function checkOutDir(given: string, dir: string): Promise<void> {
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    // ENOTDIR: a part of the path is a file; the walk below names it.
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
    throw new UsageError(`--out ${given}: cannot use it (${err.code ?? 'error'})`);
  });
  if (info === null) {
    let parent = dirname(dir);
    for (;;) {
      const parentInfo = await stat(parent).catch(() => null);
      if (parentInfo) {
        if (!parentInfo.isDirectory()) throw new UsageError(`--out ${given}: ${parent} is not a directory`);
        return;
      }
      if (dirname(parent) === parent) return;
      parent = dirname(parent);
    }
  }
  if (!info.isDirectory()) throw new UsageError(`--out ${given}: is a file, not a directory`);
  if ((await readdir(dir)).length > 0) {
    throw new UsageError(
      `--out ${given}: the directory is not empty; write each evidence pack to a new or empty directory`,
    );
  }
}

/** The stored records that are records: an unreadable line is for verify to name, not for the tables. */
function readableRecords(records: readonly TrailRecord[]): EvidenceTrailRecord[] {
  return records.filter(
    (record) => record !== null && typeof record === 'object' && typeof record.at === 'string',
  );
}

async function recordPack(
  store: TrailStore,
  model: EvidenceModel,
  packSha256: string,
  options: EvidenceOptions,
  generatedAt: Date,
): Promise<TrailRecord> {
  const actor = options.credentialReport
    ? localActor()
    : (await callerIdentity(createStsClient({ region: options.region, profile: options.profile }))).arn;
  try {
    return await store.append({
      at: generatedAt,
      account: model.account,
      actor,
      action: 'evidence.generated',
      user: EVIDENCE_RECORD_USER,
      accessKeyId: null,
      outcome: 'success',
      reason: `evidence pack sha256 ${packSha256} for ${model.period.from.toISOString()} to ${model.period.to.toISOString()}`,
    });
  } catch (err) {
    throw new IncompleteError(
      `evidence written to ${options.out}, but its digest could not be recorded in ${store.description}: ${describeError(err)}`,
      { cause: err },
    );
  }
}

/** An offline run has no AWS identity: the local account name stands in (some containers have none). */
function localActor(): string {
  try {
    return `local:${userInfo().username}`;
  } catch {
    return 'local:unknown';
  }
}
