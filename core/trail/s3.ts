import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { type AwsClientOptions, clientConfig, environmentOf, mapWithConcurrency } from '../aws/clients.js';
import { awsHttpStatus, describeError, IncompleteError } from '../errors.js';
import { DAY_MS } from '../time.js';
import {
  isUnreadable,
  parseStoredRecord,
  type StoredRecord,
  type TrailEntry,
  type TrailRecord,
} from './record.js';
import { sealRecord, type TrailSigner } from './signing.js';
import {
  type Period,
  SerialQueue,
  type TrailBreak,
  type TrailExamination,
  type TrailStore,
  type TrailVerification,
  withinPeriod,
} from './store.js';
import { verifyTrail } from './verify.js';

export interface S3TrailOptions {
  bucket: string;
  /** Key prefix, e.g. "trail/" (one chain per prefix). */
  prefix: string;
  /** COMPLIANCE-mode Object Lock retention of each record, counted from the record's `at`. */
  retentionDays: number;
  client?: S3Client;
  /** Signs each record (KMS) before it is written; a record is written signed or not at all. */
  signer?: TrailSigner | undefined;
}

/** S3 for the trail. Path-style addressing only against a custom endpoint (a local emulator). */
export function createS3Client(options: AwsClientOptions = {}): S3Client {
  const env = environmentOf(options);
  const custom = Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
  return new S3Client({ ...clientConfig(options), forcePathStyle: custom });
}

const SEQ_DIGITS = 12;
/** How far a record's `at` may precede its object's LastModified (clock skew, retries). */
const LAST_MODIFIED_SLACK_MS = 60 * 60_000;
/** Reads in flight at once (verify, read). */
const READ_CONCURRENCY = 16;
/** S3 keeps Object Lock dates to the second: a retain-until this much short of the exact instant still counts. */
const RETENTION_SLACK_MS = 1000;

/** Every version and delete marker of one key, as ListObjectVersions returns them. */
export interface KeyHistory {
  key: string;
  /** Newest first (S3's order): the last one is the original. */
  versions: { versionId: string; lastModified: number | null }[];
  deleteMarkers: number;
}

/**
 * Every version and delete marker under `prefix`, every page (KeyMarker / VersionIdMarker): a key's versions
 * may span pages, and S3 lists them newest first, so the original is the last one seen.
 */
export async function listKeyHistories(
  client: S3Client,
  bucket: string,
  prefix: string,
): Promise<KeyHistory[]> {
  const histories = new Map<string, KeyHistory>();
  const historyOf = (key: string) => {
    let history = histories.get(key);
    if (!history) {
      history = { key, versions: [], deleteMarkers: 0 };
      histories.set(key, history);
    }
    return history;
  };
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: prefix,
        KeyMarker: keyMarker,
        VersionIdMarker: versionIdMarker,
      }),
    );
    for (const version of page.Versions ?? []) {
      if (!version.Key) continue;
      historyOf(version.Key).versions.push({
        versionId: version.VersionId ?? 'null',
        lastModified: version.LastModified?.getTime() ?? null,
      });
    }
    for (const marker of page.DeleteMarkers ?? []) {
      if (marker.Key) historyOf(marker.Key).deleteMarkers++;
    }
    if (!page.IsTruncated) break;
    if (!page.NextKeyMarker) throw new Error('ListObjectVersions was truncated without a NextKeyMarker');
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
  return [...histories.values()];
}

/** Where the next append goes: the seq, sealed after the record `after`. */
interface NextSlot {
  after: TrailRecord | null;
  seq: number;
}

interface SeqHistory extends KeyHistory {
  seq: number;
}

interface Fetched {
  record: StoredRecord;
  lock: { mode: string | null; retainUntil: Date | null };
}

/**
 * A write-once trail in S3: one object per record at `<prefix><seq, 12 digits>.json`, each written with
 * `If-None-Match: *` under COMPLIANCE Object Lock. Two writers that pick the same seq cannot both win:
 * the loser gets 412, reads the winner's record, and seals its entry after it. So the chain never forks
 * and no record is lost, across processes and Lambdas, without a lock service.
 *
 * Reading looks at every version and delete marker: the chain is judged over the original (oldest)
 * version of each seq, and a seq that was overwritten or hidden by a delete marker is a break. The appender
 * never writes a seq that has any version or delete marker (If-None-Match alone would let it write over a
 * delete marker).
 */
export class S3TrailStore implements TrailStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly queue = new SerialQueue();
  /** Where the next append goes; undefined until the bucket was listed once. */
  private next: NextSlot | undefined;

  constructor(private readonly options: S3TrailOptions) {
    this.client = options.client ?? createS3Client();
    this.description = `s3://${options.bucket}/${options.prefix}`;
  }

  keyOf(seq: number): string {
    return `${this.options.prefix}${String(seq).padStart(SEQ_DIGITS, '0')}.json`;
  }

  /** The seq a key holds, or null for a key that is not a trail record's. */
  seqOf(key: string): number | null {
    const match = /^(\d+)\.json$/.exec(key.slice(this.options.prefix.length));
    if (!key.startsWith(this.options.prefix) || !match) return null;
    const seq = Number(match[1]);
    return seq >= 1 && this.keyOf(seq) === key ? seq : null;
  }

  append(entry: TrailEntry): Promise<TrailRecord> {
    return this.queue.run(async () => {
      if (this.next === undefined) this.next = await this.findNext();
      for (let attempt = 0; attempt < 1000; attempt++) {
        const slot: NextSlot = this.next;
        const { after, seq } = slot;
        const key = this.keyOf(seq);
        const taken = await this.keyHistory(key);
        if (taken.versions.length > 0) {
          // Another writer took this seq: continue the chain from its original record.
          this.next = { after: await this.readableVersion(taken), seq: seq + 1 };
          continue;
        }
        if (taken.deleteMarkers > 0) {
          // A delete marker where no record is: never written, so verify keeps naming it.
          this.next = { after, seq: seq + 1 };
          continue;
        }
        const record = await sealRecord(entry, after, seq, this.options.signer);
        try {
          await this.client.send(
            new PutObjectCommand({
              Bucket: this.options.bucket,
              Key: key,
              Body: `${JSON.stringify(record)}\n`,
              ContentType: 'application/json',
              IfNoneMatch: '*',
              ObjectLockMode: 'COMPLIANCE',
              ObjectLockRetainUntilDate: new Date(
                Math.ceil((entry.at.getTime() + this.options.retentionDays * DAY_MS) / 1000) * 1000,
              ),
            }),
          );
          this.next = { after: record, seq: seq + 1 };
          return record;
        } catch (err) {
          if (!isLostRace(err)) {
            throw new IncompleteError(
              `cannot write trail record ${key} to ${this.description}: ${describeError(err)}`,
              { cause: err },
            );
          }
          // Lost the race for this seq: the next attempt reads the winner's record.
        }
      }
      throw new IncompleteError(`${this.description}: too many concurrent trail writers`);
    });
  }

  async read(period?: Period): Promise<StoredRecord[]> {
    const { seqs } = await this.survey();
    // Objects written well before the period cannot hold records in it: skip them without a GET.
    const from = period?.from ? period.from.getTime() - LAST_MODIFIED_SLACK_MS : null;
    const wanted = seqs.filter((history) => {
      const original = history.versions.at(-1);
      return original && (from === null || original.lastModified === null || original.lastModified >= from);
    });
    const fetched = await mapWithConcurrency(wanted, READ_CONCURRENCY, (history) => this.getVersion(history));
    // An unreadable object is returned in its place with or without a period (it has no time).
    return fetched
      .map(({ record }) => record)
      .filter((record) => isUnreadable(record) || withinPeriod(record, period));
  }

  async examine(): Promise<TrailExamination> {
    const { seqs, strays } = await this.survey();
    const breaks: TrailBreak[] = [];
    for (const stray of strays) {
      const digits = /(\d+)/.exec(stray.key.slice(this.options.prefix.length))?.[1];
      breaks.push({
        seq: digits ? Math.max(1, Number(digits)) : 1,
        kind: 'unexpected-key',
        problem: `unexpected key ${stray.key} (${stray.versions.length} version${stray.versions.length === 1 ? '' : 's'}${stray.deleteMarkers > 0 ? `, ${stray.deleteMarkers} delete marker${stray.deleteMarkers === 1 ? '' : 's'}` : ''}): not a trail record`,
      });
    }
    for (const { seq, versions, deleteMarkers } of seqs) {
      if (versions.length > 1) {
        breaks.push({
          seq,
          kind: 'overwritten',
          problem: `seq ${seq}: overwritten (${versions.length} versions)`,
        });
      }
      if (deleteMarkers > 0) {
        breaks.push({
          seq,
          kind: 'delete-marker',
          problem:
            deleteMarkers === 1 ? `seq ${seq}: delete marker` : `seq ${seq}: ${deleteMarkers} delete markers`,
        });
      }
    }
    const readable = seqs.filter((history) => history.versions.length > 0);
    const fetched = await mapWithConcurrency(readable, READ_CONCURRENCY, (history) =>
      this.getVersion(history),
    );
    for (const { record, lock } of fetched) {
      const problem = this.retentionProblem(record, lock);
      if (problem && !isUnreadable(record)) breaks.push({ seq: record.seq, kind: 'retention', problem });
    }
    return { records: fetched.map(({ record }) => record), breaks };
  }

  async verify(): Promise<TrailVerification> {
    return (await verifyTrail(this)).verification;
  }

  /** Object Lock of one record's original version, from HeadObject (moto's GetObjectRetention is broken). */
  async retentionOf(seq: number): Promise<{ mode: string | null; retainUntil: Date | null }> {
    const history = await this.keyHistory(this.keyOf(seq));
    const original = history.versions.at(-1);
    const head = await this.client.send(
      new HeadObjectCommand({
        Bucket: this.options.bucket,
        Key: this.keyOf(seq),
        VersionId: original?.versionId,
      }),
    );
    return { mode: head.ObjectLockMode ?? null, retainUntil: head.ObjectLockRetainUntilDate ?? null };
  }

  /** What a record's original version must carry: COMPLIANCE until at least its `at` + retentionDays. */
  private retentionProblem(record: StoredRecord, lock: Fetched['lock']): string | null {
    if (isUnreadable(record)) return null; // the chain check names a record that is not one
    const at = Date.parse(record.at);
    if (Number.isNaN(at)) return null; // the chain check names a record that is not one
    if (lock.mode !== 'COMPLIANCE') {
      return `seq ${record.seq}: no COMPLIANCE retention (${lock.mode ? `${lock.mode} mode` : 'no Object Lock on the object'})`;
    }
    const needed = at + this.options.retentionDays * DAY_MS;
    const until = lock.retainUntil?.getTime() ?? 0;
    if (until < needed - RETENTION_SLACK_MS) {
      return `seq ${record.seq}: retained only until ${lock.retainUntil?.toISOString() ?? 'no date'} (needs ${new Date(needed).toISOString()}: its time + ${this.options.retentionDays} days)`;
    }
    return null;
  }

  /** The record keys by seq (each with every version and delete marker), and the keys that are not records. */
  private async survey(): Promise<{ seqs: SeqHistory[]; strays: KeyHistory[] }> {
    let histories: KeyHistory[];
    try {
      histories = await listKeyHistories(this.client, this.options.bucket, this.options.prefix);
    } catch (err) {
      throw new IncompleteError(`cannot list the trail in ${this.description}: ${describeError(err)}`, {
        cause: err,
      });
    }
    const seqs: SeqHistory[] = [];
    const strays: KeyHistory[] = [];
    for (const history of histories) {
      const seq = this.seqOf(history.key);
      if (seq === null) strays.push(history);
      else seqs.push({ ...history, seq });
    }
    return { seqs: seqs.sort((a, b) => a.seq - b.seq), strays };
  }

  /** The next seq: above every seq that has any version or delete marker, after the newest original record. */
  private async findNext(): Promise<NextSlot> {
    const { seqs } = await this.survey();
    const highest = seqs.at(-1);
    if (!highest) return { after: null, seq: 1 };
    const newestWritten = seqs.filter((history) => history.versions.length > 0).at(-1);
    return {
      after: newestWritten ? await this.readableVersion(newestWritten) : null,
      seq: highest.seq + 1,
    };
  }

  /** The record an append continues from; an unreadable one stops the append (the chain cannot go on). */
  private async readableVersion(history: SeqHistory | KeyHistory): Promise<TrailRecord> {
    const { record } = await this.getVersion(history);
    if (isUnreadable(record)) {
      throw new IncompleteError(
        `${record.location} is not a trail record (${record.problem}); run keywarden trail verify before writing more`,
      );
    }
    return record;
  }

  private async keyHistory(key: string): Promise<KeyHistory> {
    try {
      const histories = await listKeyHistories(this.client, this.options.bucket, key);
      return histories.find((history) => history.key === key) ?? { key, versions: [], deleteMarkers: 0 };
    } catch (err) {
      throw new IncompleteError(
        `cannot list trail record ${key} in ${this.description}: ${describeError(err)}`,
      );
    }
  }

  /** The original (oldest) version of a key, with its Object Lock as GetObject reports it. */
  private async getVersion(history: KeyHistory): Promise<Fetched> {
    const original = history.versions.at(-1);
    try {
      const object = await this.client.send(
        new GetObjectCommand({
          Bucket: this.options.bucket,
          Key: history.key,
          VersionId: original?.versionId,
        }),
      );
      const text = (await object.Body?.transformToString('utf8')) ?? '';
      const lock = {
        mode: object.ObjectLockMode ?? null,
        retainUntil: object.ObjectLockRetainUntilDate ?? null,
      };
      const location = `s3://${this.options.bucket}/${history.key}`;
      return { record: parseStoredRecord(text, location, this.seqOf(history.key)), lock };
    } catch (err) {
      throw new IncompleteError(
        `cannot read trail record s3://${this.options.bucket}/${history.key}: ${describeError(err)}`,
        { cause: err },
      );
    }
  }
}

function isLostRace(err: unknown): boolean {
  const status = awsHttpStatus(err);
  const name = err instanceof Error ? err.name : '';
  return status === 412 || status === 409 || /PreconditionFailed|ConditionalRequestConflict/.test(name);
}
