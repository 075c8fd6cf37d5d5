import type { StoredRecord, TrailEntry, TrailRecord, Verification } from './record.js';

/**
 * What can be wrong with a trail. `chain`: the hash chain itself (edited, missing, reordered, unsealed,
 * unreadable); `signature`: a record unsigned after signing began, signed by another key, or whose signature
 * fails; the others are what an S3 store sees beside the chain; `anchor`: an earlier-known record
 * the trail no longer holds.
 */
export type TrailBreakKind =
  | 'chain'
  | 'signature'
  | 'overwritten'
  | 'delete-marker'
  | 'retention'
  | 'unexpected-key'
  | 'anchor';

export interface TrailBreak {
  /** The seq the break concerns (for an unexpected key, the seq its name carries, else 1). */
  seq: number;
  kind: TrailBreakKind;
  /** One line, starting with the seq or the key: "seq 6: overwritten (2 versions)". */
  problem: string;
}

/** What a store found while reading its records, beside their content (the chain is checked apart). */
export interface TrailExamination {
  /** The records the chain is judged over, in seq order (S3: the oldest version of each seq). */
  records: StoredRecord[];
  breaks: TrailBreak[];
}

/** A record known from earlier (an evidence manifest's trail record): the trail must still hold it. */
export interface TrailAnchor {
  seq: number;
  hash: string;
  /** Where the anchor came from, for people: the file name. */
  source: string;
}

export interface AnchorCheck extends TrailAnchor {
  holds: boolean;
}

/** What a signed trail's signatures were checked against; null for a trail without a signed record. */
export interface SigningCheck {
  /** The key every record from the first signed one must be signed by. */
  keyArn: string;
  /**
   * Whether that key came from outside the trail (`--trail-signing-key`, `trail.signingKey`, `--public-key`);
   * false: the trail's own first signed record named it, which a rewrite of the whole signed part could change.
   */
  pinned: boolean;
  firstSignedSeq: number;
  signedRecords: number;
}

export interface TrailVerification extends Verification {
  /** Every break found, by seq; `problem` joins their lines and `firstBadSeq` is the lowest seq. */
  breaks: TrailBreak[];
  anchors: AnchorCheck[];
  signing: SigningCheck | null;
}

/** A period of `at` times, both ends included; either end may be open. */
export interface Period {
  from?: Date | undefined;
  to?: Date | undefined;
}

/**
 * Where trail records live. Implementations keep one chain per store and never fork it: concurrent
 * appenders (threads, processes, Lambdas) each get their own seq, and none is lost.
 */
export interface TrailStore {
  /** For people: "file keywarden-trail.jsonl", "s3://bucket/trail/". */
  readonly description: string;
  /** Seals `entry` as the next record and stores it durably; resolves once it is stored. */
  append(entry: TrailEntry): Promise<TrailRecord>;
  /**
   * Every record in stored order, or those whose `at` lies within `period`. What is stored but is not a
   * record comes back in its place as an UnreadableRecord, with or without a period (it has no time), so
   * that a caller decides what an unreadable record means for it.
   */
  read(period?: Period): Promise<StoredRecord[]>;
  /**
   * Every record the chain is judged over, and what the storage itself shows wrong (S3: versions, delete
   * markers, retention, stray keys). A store without it (a test double) shows nothing beside `read()`.
   */
  examine?(): Promise<TrailExamination>;
  /** Recomputes the whole chain (`verifyTrail` without anchors); names the first bad seq. */
  verify(): Promise<TrailVerification>;
}

/** Whether a record's `at` lies within the period (both ends included). The one period filter of the trail. */
export function withinPeriod(record: Pick<TrailRecord, 'at'>, period: Period | undefined): boolean {
  if (!period) return true;
  const at = Date.parse(record.at);
  return (!period.from || at >= period.from.getTime()) && (!period.to || at <= period.to.getTime());
}

/** Runs tasks one after another within this process (the cross-process lock is the store's own). */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
