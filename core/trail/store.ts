import type { TrailEntry, TrailRecord } from './record.js';
import type { TrailExamination, TrailVerification } from './verify.js';

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
  /** Every record in stored order, or those whose `at` lies within `period`. */
  read(period?: Period): Promise<TrailRecord[]>;
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
