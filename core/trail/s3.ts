import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { type AwsClientOptions, clientConfig, mapWithConcurrency } from '../aws.js';
import { describeError, IncompleteError } from '../errors.js';
import { addDays } from '../time.js';
import { seal, type TrailEntry, type TrailRecord, type Verification, verifyRecords } from './record.js';
import { type Period, SerialQueue, type TrailStore, withinPeriod } from './store.js';

export interface S3TrailOptions {
  bucket: string;
  /** Key prefix, e.g. "trail/" (one chain per prefix). */
  prefix: string;
  /** COMPLIANCE-mode Object Lock retention of each record, counted from the record's `at`. */
  retentionDays: number;
  client?: S3Client;
}

/** S3 for the trail. Path-style addressing only against a custom endpoint (a local emulator). */
export function createS3Client(options: AwsClientOptions = {}): S3Client {
  const env = options.env ?? process.env;
  const custom = Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
  return new S3Client({ ...clientConfig(options), forcePathStyle: custom });
}

const SEQ_DIGITS = 12;
/** How far a record's `at` may precede its object's LastModified (clock skew, retries). */
const LAST_MODIFIED_SLACK_MS = 60 * 60_000;

/**
 * A write-once trail in S3: one object per record at `<prefix><seq, 12 digits>.json`, each written with
 * `If-None-Match: *` under COMPLIANCE Object Lock. Two writers that pick the same seq cannot both win:
 * the loser gets 412, reads the winner's record, and seals its entry after it. So the chain never forks
 * and no record is lost, across processes and Lambdas, without a lock service.
 */
export class S3TrailStore implements TrailStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly queue = new SerialQueue();
  /** The newest record this store has seen; undefined until the bucket was listed once. */
  private head: TrailRecord | null | undefined;

  constructor(private readonly options: S3TrailOptions) {
    this.client = options.client ?? createS3Client();
    this.description = `s3://${options.bucket}/${options.prefix}`;
  }

  keyOf(seq: number): string {
    return `${this.options.prefix}${String(seq).padStart(SEQ_DIGITS, '0')}.json`;
  }

  append(entry: TrailEntry): Promise<TrailRecord> {
    return this.queue.run(async () => {
      if (this.head === undefined) this.head = await this.findHead();
      for (let attempt = 0; attempt < 1000; attempt++) {
        const record = seal(entry, this.head);
        try {
          await this.client.send(
            new PutObjectCommand({
              Bucket: this.options.bucket,
              Key: this.keyOf(record.seq),
              Body: `${JSON.stringify(record)}\n`,
              ContentType: 'application/json',
              IfNoneMatch: '*',
              ObjectLockMode: 'COMPLIANCE',
              ObjectLockRetainUntilDate: addDays(entry.at, this.options.retentionDays),
            }),
          );
          this.head = record;
          return record;
        } catch (err) {
          if (!isLostRace(err)) {
            throw new IncompleteError(
              `cannot write trail record ${this.keyOf(record.seq)} to ${this.description}: ${describeError(err)}`,
              { cause: err },
            );
          }
          // Another writer took this seq: continue the chain from its record.
          this.head = await this.getRecord(record.seq);
        }
      }
      throw new IncompleteError(`${this.description}: too many concurrent trail writers`);
    });
  }

  async read(period?: Period): Promise<TrailRecord[]> {
    // Objects written well before the period cannot hold records in it: skip them without a GET.
    const from = period?.from ? period.from.getTime() - LAST_MODIFIED_SLACK_MS : null;
    const keys = (await this.listObjects())
      .filter((object) => from === null || object.lastModified === null || object.lastModified >= from)
      .map((object) => object.key);
    const records = await mapWithConcurrency(keys, 16, (key) => this.getObject(key));
    return records.filter((record) => withinPeriod(record, period));
  }

  async verify(): Promise<Verification> {
    return verifyRecords(await this.read());
  }

  /** Object Lock of one record, from HeadObject (moto's GetObjectRetention is broken). */
  async retentionOf(seq: number): Promise<{ mode: string | null; retainUntil: Date | null }> {
    const head = await this.client.send(
      new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(seq) }),
    );
    return { mode: head.ObjectLockMode ?? null, retainUntil: head.ObjectLockRetainUntilDate ?? null };
  }

  private async findHead(): Promise<TrailRecord | null> {
    const last = (await this.listObjects()).at(-1);
    return last ? this.getObject(last.key) : null;
  }

  /** Record objects in seq order (their keys sort by seq), with S3's write time. */
  private async listObjects(): Promise<{ key: string; lastModified: number | null }[]> {
    const keys: { key: string; lastModified: number | null }[] = [];
    try {
      for await (const page of paginateListObjectsV2(
        { client: this.client },
        { Bucket: this.options.bucket, Prefix: this.options.prefix },
      )) {
        for (const object of page.Contents ?? []) {
          if (object.Key && /^\d+\.json$/.test(object.Key.slice(this.options.prefix.length))) {
            keys.push({ key: object.Key, lastModified: object.LastModified?.getTime() ?? null });
          }
        }
      }
    } catch (err) {
      throw new IncompleteError(`cannot list the trail in ${this.description}: ${describeError(err)}`, {
        cause: err,
      });
    }
    return keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async getRecord(seq: number): Promise<TrailRecord> {
    return this.getObject(this.keyOf(seq));
  }

  private async getObject(key: string): Promise<TrailRecord> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      const text = (await object.Body?.transformToString('utf8')) ?? '';
      try {
        return JSON.parse(text) as TrailRecord;
      } catch {
        // Kept as a non-record so that verify names where the chain breaks.
        return null as unknown as TrailRecord;
      }
    } catch (err) {
      throw new IncompleteError(
        `cannot read trail record s3://${this.options.bucket}/${key}: ${describeError(err)}`,
        { cause: err },
      );
    }
  }
}

function isLostRace(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = (err as { name?: string }).name ?? '';
  return status === 412 || status === 409 || /PreconditionFailed|ConditionalRequestConflict/.test(name);
}
