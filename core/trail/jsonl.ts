import { open, readFile, stat, unlink } from 'node:fs/promises';
import { errorCode, IncompleteError, UsageError } from '../errors.js';
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
  type TrailExamination,
  type TrailStore,
  type TrailVerification,
  withinPeriod,
} from './store.js';
import { verifyTrail } from './verify.js';

export interface JsonlTrailOptions {
  /** Give up waiting for another writer's lock after this long. */
  lockTimeoutMs?: number;
  /** A lock file older than this is left over from a crashed writer and is broken. */
  staleLockMs?: number;
  /** Signs each record (KMS), under the lock: the record is written signed or not at all. */
  signer?: TrailSigner | undefined;
}

/**
 * A local trail: one JSON record per line. Appends from many processes are serialised by an exclusive
 * lock file (`F.lock`, created with O_EXCL) held while the last record is read and the next one appended
 * and fsynced, so the chain never forks. Within one process a queue avoids contending for the lock.
 */
export class JsonlTrailStore implements TrailStore {
  readonly description: string;
  private readonly queue = new SerialQueue();
  private readonly lockPath: string;

  constructor(
    readonly file: string,
    private readonly options: JsonlTrailOptions = {},
  ) {
    this.description = `file ${file}`;
    this.lockPath = `${file}.lock`;
  }

  append(entry: TrailEntry): Promise<TrailRecord> {
    return this.queue.run(() => this.withLock(() => this.appendLocked(entry)));
  }

  /** Every line in order; with a period, the records within it and every unreadable line (it has no time). */
  async read(period?: Period): Promise<StoredRecord[]> {
    return (await this.readAll()).filter((stored) => isUnreadable(stored) || withinPeriod(stored, period));
  }

  /** A file shows nothing beside its lines: every break is the chain's (or an anchor's). */
  async examine(): Promise<TrailExamination> {
    return { records: await this.readAll(), breaks: [] };
  }

  async verify(): Promise<TrailVerification> {
    return (await verifyTrail(this)).verification;
  }

  private async readAll(): Promise<StoredRecord[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return [];
      throw new UsageError(`${this.file}: cannot read the trail (${errorCode(err) ?? 'error'})`, {
        cause: err,
      });
    }
    // Blank lines are skipped; every other line is a record or an UnreadableRecord in its place.
    return text
      .split('\n')
      .flatMap((line, index) => (line.trim() === '' ? [] : [parseStoredRecord(line, `line ${index + 1}`)]));
  }

  private async appendLocked(entry: TrailEntry): Promise<TrailRecord> {
    const last = await this.lastRecord();
    const record = await sealRecord(entry, last, undefined, this.options.signer);
    const handle = await open(this.file, 'a', 0o640);
    try {
      await handle.write(`${JSON.stringify(record)}\n`);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    return record;
  }

  /** Reads only the end of the file: appends stay fast however long the trail grows. */
  private async lastRecord(): Promise<TrailRecord | null> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.file, 'r');
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return null;
      throw err;
    }
    try {
      const { size } = await handle.stat();
      let chunk = 4096;
      for (;;) {
        const start = Math.max(0, size - chunk);
        const buffer = Buffer.alloc(size - start);
        await handle.read(buffer, 0, buffer.length, start);
        const lines = buffer.toString('utf8').split('\n');
        const complete = start === 0 ? lines : lines.slice(1);
        const lastLine = complete.filter((line) => line.trim() !== '').at(-1);
        if (lastLine !== undefined || start === 0) {
          if (lastLine === undefined) return null;
          const last = parseStoredRecord(lastLine, 'the last line');
          if (isUnreadable(last)) {
            throw new IncompleteError(
              `${this.file}: the last trail record is unreadable (${last.problem}); run keywarden trail verify before writing more`,
            );
          }
          return last;
        }
        chunk *= 4;
      }
    } finally {
      await handle.close();
    }
  }

  private async withLock<T>(work: () => Promise<T>): Promise<T> {
    const timeout = this.options.lockTimeoutMs ?? 30_000;
    const stale = this.options.staleLockMs ?? 60_000;
    const giveUpAt = Date.now() + timeout;
    let wait = 2;
    for (;;) {
      try {
        const lock = await open(this.lockPath, 'wx', 0o640);
        await lock.write(`${process.pid} ${new Date().toISOString()}\n`);
        await lock.close();
        break;
      } catch (err) {
        if (errorCode(err) !== 'EEXIST') {
          throw new UsageError(
            `${this.lockPath}: cannot create the trail lock (${errorCode(err) ?? 'error'})`,
            {
              cause: err,
            },
          );
        }
      }
      const age = await stat(this.lockPath).then(
        (info) => Date.now() - info.mtimeMs,
        () => 0,
      );
      if (age > stale) await unlink(this.lockPath).catch(() => undefined);
      if (Date.now() > giveUpAt) {
        throw new IncompleteError(
          `${this.lockPath}: another keywarden holds the trail lock; if none runs, delete the lock file`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, wait + Math.random() * wait));
      wait = Math.min(wait * 2, 50);
    }
    try {
      return await work();
    } finally {
      await unlink(this.lockPath).catch(() => undefined);
    }
  }
}
