import { userInfo } from 'node:os';
import type { AccountsSpec } from '../accounts/spec.js';
import { type AuditReport, auditOutcome } from '../audit/report.js';
import { runAudit } from '../audit/run.js';
import { type AwsClientOptions, createStsClient } from '../aws/clients.js';
import { callerIdentity } from '../aws/identity.js';
import type { OldKeyConsumerSource } from '../consumers/sighting.js';
import { describeError, ExitCode, IncompleteError } from '../errors.js';
import type { SourceName } from '../inventory/records.js';
import type { Config } from '../policy/schema.js';
import {
  type AnchorCheck,
  accountTrailBucket,
  accountTrailStore,
  createS3Client,
  isUnreadable,
  publicKeyFromKms,
  type ResolvedTrail,
  type SigningKey,
  type StoredRecord,
  type TrailAnchor,
  type TrailRecord,
  type TrailVerification,
  verifyTrail,
} from '../trail/index.js';
import { withinPeriod } from '../trail/store.js';
import { consumersAroundRotations, rotationsIn } from './consumers.js';
import { renderEvidenceHtml } from './html.js';
import { renderEvidenceMarkdown } from './markdown.js';
import {
  type AccountTrail,
  brokenAccountTrails,
  buildEvidence,
  type EvidenceModel,
  type Period,
  type TrailCheck,
} from './model.js';
import {
  buildManifest,
  digestPack,
  EVIDENCE_FILES,
  MANIFEST_FILE,
  type Manifest,
  SUMS_FILE,
} from './pack.js';
import { signatureFiles } from './signatures.js';

/** The trail record of an evidence pack concerns the whole account, not one user. */
export const EVIDENCE_RECORD_USER = '*';

export interface EvidenceRequest {
  loaded: { config: Config; origin: string | null; text: string | null };
  asOf: Date;
  generatedAt: Date;
  period: Period;
  source: SourceName;
  credentialReportFile?: string | undefined;
  /** Where a relative credential report path is found. */
  cwd: string;
  trail: ResolvedTrail;
  /** Records the trail must still hold (earlier packs' manifests); checked before anything is written. */
  anchors: readonly TrailAnchor[];
  /** How the output is named in messages ("--out" as given). */
  outLabel: string;
  /** --profile / --region and the edge's environment, for a live audit and the caller's identity. */
  aws?: AwsClientOptions | undefined;
  /** Who used each key rotated in the period (CloudTrail, a few lookups); omitted = the pack has no such section. */
  consumers?: OldKeyConsumerSource | undefined;
  /**
   * A pack over several accounts (`--accounts`): each is audited through STS AssumeRole and gets a section of
   * its own, with its records from its own trail (`accountTrail`) or else from the pack's one trail.
   */
  accounts?: EvidenceAccounts | undefined;
}

export interface EvidenceAccounts {
  spec: AccountsSpec;
  roleName: string;
  externalId?: string | undefined;
  /** Names keywarden and this run in each account's CloudTrail. */
  run: string;
  concurrency?: number | undefined;
  /**
   * Each account's own S3 trail (`--account-trail-bucket`: a bucket name with `{account}`), read and verified
   * through its member role; without it each account's records come from the pack's one trail.
   */
  accountTrail?: { bucket: string; prefix?: string | undefined } | undefined;
}

/** Where the pack's files go; the CLI writes them (create-only) into the --out directory. */
export interface EvidenceSink {
  write(name: string, content: string): Promise<void>;
}

export interface EvidenceOutcome {
  model: EvidenceModel;
  packSha256: string;
  /** The trail record holding the pack digest; null when a trail was broken (nothing appended). */
  packRecord: { seq: number; hash: string } | null;
  verification: TrailVerification;
  /** Each trail that does not verify, for a person: the pack trail first, then accounts' own trails. */
  broken: string[];
}

/**
 * The evidence workflow: verify the trail (with every anchor), audit the account, render the pack, hand its
 * files to the sink, append the pack digest to an intact trail, then the manifest. Throws a UsageError
 * before anything is written for bad input, an IncompleteError for what could not be read or recorded.
 * `note` receives lines for a person (stderr).
 */
export async function generateEvidence(
  request: EvidenceRequest,
  sink: EvidenceSink,
  note: (line: string) => void,
): Promise<EvidenceOutcome> {
  const { store, origin } = request.trail;
  const trusted = request.trail.signingKey ?? undefined;
  const fetchPublicKey = (keyArn: string) => publicKeyFromKms(keyArn, request.aws);
  const { verification, records, signing } = await verifyTrail(store, {
    anchors: request.anchors,
    signatures: { keyArn: trusted, fetchPublicKey },
  });
  if (origin === 'default') note(`trail: ${store.description} (the default)`);
  // An audit-only deployment has rotated nothing yet: its pack says so and carries the audit. The pack's own
  // record then starts the trail.
  if (records.length === 0) {
    note(
      `note: ${store.description} holds no trail records yet (nothing has been rotated or recorded there): the evidence says there are no rotation records in the period`,
    );
  }
  const anchors = manifestAnchors(verification.anchors);
  const check = trailCheckOf(verification, anchors);
  // The pack's own record is signed when a key is configured, even on a trail not signed before.
  const packSigning: SigningKey | null =
    signing ?? (trusted ? { keyArn: trusted, publicKey: await fetchPublicKey(trusted), pinned: true } : null);

  const { config } = request.loaded;
  const accountTrails = new Map<string, AccountTrail>();
  const report = await audit(request, config, accountTrails);
  // Evidence is filed whatever the findings are (they are its content), so it never fails on them.
  const audited = auditOutcome(report, 'never', {
    detail: `first: ${report.gaps[0]?.scope}: ${report.gaps[0]?.reason}`,
    incompleteConsequence: 'evidence needs a complete audit',
  });
  if (audited.exitCode === ExitCode.incomplete) throw new IncompleteError(audited.message ?? '');

  const { loaded } = request;
  const readable = readableRecords(records);
  // One account's pack only: a pack over many accounts reads each through a member role, not its CloudTrail.
  const rotationConsumers =
    request.consumers && !report.accounts
      ? await consumersAroundRotations(
          rotationsIn(
            readable.filter(
              (record) => record.account === report.account && withinPeriod(record, request.period),
            ),
          ),
          request.consumers,
          request.generatedAt,
        )
      : undefined;
  const model = buildEvidence({
    report,
    config,
    configFile:
      loaded.origin !== null && loaded.text !== null ? { origin: loaded.origin, text: loaded.text } : null,
    sourceLabel: sourceLabel(request),
    period: request.period,
    trail: { location: store.description, records: readable, check },
    ...(request.accounts?.accountTrail ? { accountTrails } : {}),
    generatedAt: request.generatedAt,
    ...(rotationConsumers ? { rotationConsumers } : {}),
  });
  const broken = brokenTrails(model);
  const files = [
    { name: EVIDENCE_FILES.html, content: renderEvidenceHtml(model) },
    { name: EVIDENCE_FILES.markdown, content: renderEvidenceMarkdown(model) },
    ...(packSigning ? signatureFiles(packSigning, readable, request.period) : []),
  ];
  const digests = digestPack(files);
  for (const file of [...files, { name: SUMS_FILE, content: digests.sums }]) {
    await sink.write(file.name, file.content);
  }
  const writeManifest = (packRecord: Manifest['trail']['packRecord']) =>
    sink.write(
      MANIFEST_FILE,
      `${JSON.stringify(buildManifest(model, digests, packRecord, anchors), null, 2)}\n`,
    );
  const silent = model.accounts?.filter((entry) => entry.events.length === 0).length ?? 0;
  if (model.accounts && silent > 0) {
    note(
      `note: no rotation records in the period for ${silent} of ${model.accounts.length} accounts; the evidence says so`,
    );
  } else if (!model.accounts && model.trail.events.length === 0) {
    note(`note: no rotation records for account ${model.account} in the period; the evidence says so`);
  }
  if (broken.length > 0) {
    await writeManifest(null);
    return { model, packSha256: digests.packSha256, packRecord: null, verification, broken };
  }
  const record = await recordPack(request, model, digests.packSha256);
  const packRecord = {
    seq: record.seq,
    hash: record.hash,
    ...(record.signingKey && record.signature
      ? { signingKey: record.signingKey, signature: record.signature }
      : {}),
  };
  await writeManifest(packRecord);
  return { model, packSha256: digests.packSha256, packRecord, verification, broken };
}

/** A verification as the evidence reports it, with the anchors it checked. */
function trailCheckOf(
  verification: TrailVerification,
  anchors: Manifest['trail']['anchors'] = [],
): TrailCheck {
  const { signing } = verification;
  const signed = signing
    ? {
        signing: {
          keyArn: signing.keyArn,
          firstSignedSeq: signing.firstSignedSeq,
          signedRecords: signing.signedRecords,
        },
      }
    : {};
  return verification.intact
    ? { intact: true, records: verification.records, ...(anchors.length > 0 ? { anchors } : {}), ...signed }
    : {
        intact: false,
        records: verification.records,
        firstBadSeq: verification.firstBadSeq ?? 1,
        problem: verification.problem ?? 'the chain does not verify',
        ...(anchors.length > 0 ? { anchors } : {}),
      };
}

/** Each trail of the pack that does not verify: a pack under suspicion appends nothing to any trail. */
function brokenTrails(model: EvidenceModel): string[] {
  const broken: string[] = [];
  const { check } = model.trail;
  if (!check.intact) broken.push(`the trail is BROKEN at seq ${check.firstBadSeq} (${check.problem})`);
  for (const own of brokenAccountTrails(model.accounts)) {
    broken.push(
      `the trail of account ${own.account} (${own.location}) is BROKEN at seq ${own.firstBadSeq} (${own.problem})`,
    );
  }
  return broken;
}

/**
 * One account's audit, or every account's through STS AssumeRole, merged; with `accountTrail`, each account's
 * own trail is read and verified with its assumed credentials into `accountTrails` (unreadable: a gap).
 */
async function audit(
  request: EvidenceRequest,
  config: Config,
  accountTrails: Map<string, AccountTrail>,
): Promise<AuditReport> {
  const { accounts } = request;
  if (!accounts) {
    return runAudit({
      config,
      asOf: request.asOf,
      source: request.source,
      credentialReportFile: request.credentialReportFile,
      aws: request.aws,
      cwd: request.cwd,
    });
  }
  // Loaded only for a pack over several accounts: it brings STS and Organizations clients.
  const { runAccountsAudit, sessionNameFor } = await import('../accounts/audit.js');
  const own = accounts.accountTrail;
  return runAccountsAudit({
    ...(own
      ? {
          alsoRead: {
            scope: 'trail',
            read: async (account: string, aws: AwsClientOptions) => {
              accountTrails.set(account, await readAccountTrail(own, account, aws, config));
            },
          },
        }
      : {}),
    spec: accounts.spec,
    roleName: accounts.roleName,
    externalId: accounts.externalId,
    sessionName: sessionNameFor(accounts.run),
    concurrency: accounts.concurrency,
    config,
    asOf: request.asOf,
    source: request.source,
    aws: request.aws,
  });
}

/** One account's own trail, read and verified with that account's (assumed) credentials. */
async function readAccountTrail(
  trail: NonNullable<EvidenceAccounts['accountTrail']>,
  account: string,
  aws: AwsClientOptions,
  config: Config,
): Promise<AccountTrail> {
  const client = createS3Client(aws);
  try {
    const bucket = accountTrailBucket(trail.bucket, account);
    const store = accountTrailStore(bucket, trail.prefix, config, client);
    // A signed account trail is checked with its key's public half, read through the account's role.
    const { verification, records } = await verifyTrail(store, {
      signatures: { fetchPublicKey: (keyArn) => publicKeyFromKms(keyArn, aws) },
    });
    return {
      location: store.description,
      records: readableRecords(records),
      check: trailCheckOf(verification),
    };
  } finally {
    client.destroy();
  }
}

function sourceLabel(request: EvidenceRequest): string {
  if (request.credentialReportFile) return `credential report file ${request.credentialReportFile}`;
  const read =
    request.source === 'api'
      ? 'live IAM API (ListUsers, ListAccessKeys, GetAccessKeyLastUsed)'
      : 'live IAM credential report';
  return request.accounts
    ? `${read} of each account, read through STS AssumeRole into the role ${request.accounts.roleName}`
    : read;
}

/** The anchors a manifest carries: the ones this pack checked, without where they were read from. */
export function manifestAnchors(checks: readonly AnchorCheck[]): Manifest['trail']['anchors'] {
  return checks.map(({ seq, hash, holds }) => ({ seq, hash, holds }));
}

/** The stored records that are records: an unreadable line is for verify to name, not for the tables. */
function readableRecords(records: readonly StoredRecord[]): TrailRecord[] {
  return records.filter((record): record is TrailRecord => !isUnreadable(record));
}

async function recordPack(
  request: EvidenceRequest,
  model: EvidenceModel,
  packSha256: string,
): Promise<TrailRecord> {
  const { store } = request.trail;
  const identity = request.credentialReportFile ? null : await callerIdentity(createStsClient(request.aws));
  try {
    return await store.append({
      at: request.generatedAt,
      // A pack over several accounts is the caller's act: its record is the caller's account's.
      account: model.accounts && identity ? identity.account : model.account,
      actor: identity?.arn ?? localActor(),
      action: 'evidence.generated',
      user: EVIDENCE_RECORD_USER,
      accessKeyId: null,
      outcome: 'success',
      reason: `evidence pack sha256 ${packSha256} for ${model.period.from.toISOString()} to ${model.period.to.toISOString()}${model.accounts ? ` over ${model.accounts.length} accounts` : ''}`,
    });
  } catch (err) {
    throw new IncompleteError(
      `evidence written to ${request.outLabel}, but its digest could not be recorded in ${store.description}: ${describeError(err)}`,
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
