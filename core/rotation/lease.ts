import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { awsHttpStatus, classifyAwsError, describeError, IncompleteError } from '../errors.js';
import type { Config } from '../policy/schema.js';
import { SETTING_DEFAULTS } from '../policy/settings.js';
import type { Clock } from '../time.js';
import type { TrailStore } from '../trail/index.js';

/**
 * Who may change a user's keys now: the run that holds the user's lease, an S3 object written only with
 * conditional requests. Taking it is `PutObject If-None-Match: *` (or `If-Match` on the ETag of a lease that
 * was released or has expired); every later write is `If-Match` on the ETag this run last wrote, so exactly
 * one run holds it, across processes, machines and the Lambda. Before each mutation the holder renews it
 * (`confirm`): that write fails with 412 once another run took the lease over, and the holder stops
 * (fencing). A holder that dies stops renewing; its lease expires after `seconds` and the next run takes it
 * over, and only then repairs what the dead run left (its write-ahead marker carries its lease token).
 *
 * The lease bucket must not have Object Lock (each renewal replaces the object). Expiry is judged by the
 * taker's clock: machines that run keywarden must keep time (NTP), and `seconds` must exceed the longest
 * time between two renewals (one AWS call and a trail record) by far; the default is ten minutes.
 */

/** Where leases live and how long one lasts without renewal (config `rotation.lease`). */
export interface LeaseSettings {
  bucket: string;
  /** Key prefix of the lease objects: `<prefix><account>/<user>`. */
  prefix: string;
  seconds: number;
}

/**
 * Where this run's leases live: a bucket named on the command line wins over the config's
 * `rotation.lease` (prefix and duration then come from the config, else their defaults); null when neither
 * names one (a mutating run is then refused: engine.ts).
 */
export function leaseSettingsOf(config: Config, bucketOption?: string): LeaseSettings | null {
  const configured = config.rotation.lease;
  const bucket = bucketOption ?? configured?.bucket;
  if (!bucket) return null;
  return {
    bucket,
    prefix: configured?.prefix ?? SETTING_DEFAULTS.lease.prefix,
    seconds: configured?.seconds ?? SETTING_DEFAULTS.lease.seconds,
  };
}

/** What a lease object says. */
export interface LeaseState {
  token: string;
  /** Who took it (the trail's actor of that run). */
  holder: string;
  /** When it lapses unless renewed; a released lease carries its release time. */
  until: Date;
  released: boolean;
}

/** Whether a lease still excludes other runs at `now` (epoch ms). */
export function leaseIsLive(lease: LeaseState, now: number): boolean {
  return !lease.released && lease.until.getTime() > now;
}

/** Thrown by `confirm` when another run took the lease over: this run must not mutate anything more. */
export class LeaseLostError extends IncompleteError {
  override name = 'LeaseLostError';
}

/** The lease a run holds on one user. */
export interface UserLease {
  /** Written into the write-ahead marker, so that a reader can tell whose marker it is. */
  readonly token: string;
  /** Fencing: renews the lease if this run still holds it; throws LeaseLostError when it does not. */
  confirm(): Promise<void>;
  /** Gives it up (a failed release just lets it expire). */
  release(): Promise<void>;
}

export type Acquired = { held: true; lease: UserLease } | { held: false; current: LeaseState };

/** Where a run takes, inspects and (by hand) releases users' leases. */
export interface LeaseStore {
  /** For people: "s3://bucket/leases/". */
  readonly description: string;
  /** Takes the user's lease, waiting up to `waitMs` while another run holds it. */
  acquire(account: string, user: string, options: { holder: string; waitMs: number }): Promise<Acquired>;
  /** The user's lease as stored, or null when no run ever took it. */
  peek(account: string, user: string): Promise<LeaseState | null>;
  /** Releases whatever lease the user has (an operator's repair); returns the lease it released, if one was live. */
  forceRelease(account: string, user: string): Promise<LeaseState | null>;
}

const leaseBodySchema = z.object({
  token: z.string().min(1),
  holder: z.string(),
  until: z.iso.datetime(),
  released: z.boolean(),
});

interface Stored {
  etag: string;
  state: LeaseState;
}

export interface S3LeaseOptions extends LeaseSettings {
  client: S3Client;
  /** Epoch ms; expiry is judged by it (default Date.now). */
  wallClock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const POLL_MS = { first: 100, most: 1_000 };

/** The lease of every user of an account, one object each, in a bucket without Object Lock. */
export class S3LeaseStore implements LeaseStore {
  readonly description: string;
  private readonly wallClock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: S3LeaseOptions) {
    this.description = `s3://${options.bucket}/${options.prefix}`;
    this.wallClock = options.wallClock ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  keyOf(account: string, user: string): string {
    return `${this.options.prefix}${account}/${user}`;
  }

  async acquire(
    account: string,
    user: string,
    { holder, waitMs }: { holder: string; waitMs: number },
  ): Promise<Acquired> {
    const key = this.keyOf(account, user);
    const token = randomUUID();
    const giveUpAt = this.wallClock() + waitMs;
    let pause = POLL_MS.first;
    for (;;) {
      const taken = await this.write(key, { token, holder, released: false }, { ifNoneMatch: true });
      if (taken) return { held: true, lease: this.held(key, token, holder, taken) };
      const current = await this.read(key);
      if (!current) continue; // gone between the two calls: try to create it again
      const now = this.wallClock();
      if (!leaseIsLive(current.state, now)) {
        const takenOver = await this.write(
          key,
          { token, holder, released: false },
          { ifMatch: current.etag },
        );
        if (takenOver) return { held: true, lease: this.held(key, token, holder, takenOver) };
        continue; // another run took it over first: look again
      }
      if (now >= giveUpAt) return { held: false, current: current.state };
      const untilLapse = current.state.until.getTime() - now + 10;
      await this.sleep(Math.max(1, Math.min(pause, giveUpAt - now, untilLapse)));
      pause = Math.min(pause * 2, POLL_MS.most);
    }
  }

  async peek(account: string, user: string): Promise<LeaseState | null> {
    return (await this.read(this.keyOf(account, user)))?.state ?? null;
  }

  async forceRelease(account: string, user: string): Promise<LeaseState | null> {
    const key = this.keyOf(account, user);
    for (;;) {
      const current = await this.read(key);
      if (!current) return null;
      const live = leaseIsLive(current.state, this.wallClock());
      const released = await this.write(
        key,
        { token: current.state.token, holder: current.state.holder, released: true },
        { ifMatch: current.etag },
      );
      if (released) return live ? current.state : null;
    }
  }

  private held(key: string, token: string, holder: string, etag: string): UserLease {
    let current = etag;
    let lost = false;
    return {
      token,
      confirm: async () => {
        if (lost) throw this.lostError(key);
        const renewed = await this.write(key, { token, holder, released: false }, { ifMatch: current });
        if (!renewed) {
          lost = true;
          throw this.lostError(key);
        }
        current = renewed;
      },
      release: async () => {
        if (lost) return;
        lost = true;
        // A lease that cannot be released now lapses at its `until`.
        await this.write(key, { token, holder, released: true }, { ifMatch: current }).catch(() => null);
      },
    };
  }

  private lostError(key: string): LeaseLostError {
    return new LeaseLostError(
      `another run took over the lease s3://${this.options.bucket}/${key} (this run was too slow to renew it); this run changed nothing more`,
    );
  }

  /** One conditional PutObject; the new ETag, or null when the condition failed (412, or 409 for a race). */
  private async write(
    key: string,
    body: { token: string; holder: string; released: boolean },
    condition: { ifNoneMatch: true } | { ifMatch: string },
  ): Promise<string | null> {
    const now = this.wallClock();
    const until = body.released ? now : now + this.options.seconds * 1000;
    try {
      const put = await this.options.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: JSON.stringify({ ...body, until: new Date(until).toISOString() }),
          ContentType: 'application/json',
          ...('ifNoneMatch' in condition ? { IfNoneMatch: '*' } : { IfMatch: condition.ifMatch }),
        }),
      );
      if (!put.ETag) throw new IncompleteError(`S3 answered the lease write ${key} without an ETag`);
      return put.ETag;
    } catch (err) {
      const status = awsHttpStatus(err);
      if (status === 412 || status === 409) return null;
      throw new IncompleteError(
        `cannot write the lease s3://${this.options.bucket}/${key}: ${describeError(err)}`,
        { cause: err },
      );
    }
  }

  private async read(key: string): Promise<Stored | null> {
    try {
      const got = await this.options.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: key }),
      );
      const text = (await got.Body?.transformToString('utf8')) ?? '';
      const etag = got.ETag ?? '';
      return { etag, state: this.stateOf(text, got.LastModified) };
    } catch (err) {
      if (classifyAwsError(err) === 'not-found') return null;
      throw new IncompleteError(
        `cannot read the lease s3://${this.options.bucket}/${key}: ${describeError(err)}`,
        { cause: err },
      );
    }
  }

  /** A lease object keywarden cannot read lapses `seconds` after it was written, like any other. */
  private stateOf(text: string, lastModified: Date | undefined): LeaseState {
    let value: unknown = null;
    try {
      value = JSON.parse(text);
    } catch {
      value = null;
    }
    const parsed = leaseBodySchema.safeParse(value);
    if (parsed.success) return { ...parsed.data, until: new Date(parsed.data.until) };
    const written = lastModified?.getTime() ?? this.wallClock();
    return {
      token: 'unreadable',
      holder: 'unknown (the lease object is not one keywarden wrote)',
      until: new Date(written + this.options.seconds * 1000),
      released: false,
    };
  }
}

/**
 * An operator's repair of a stuck lease (a run that stopped and whose lease has not lapsed yet): releases the
 * user's lease whoever holds it and records that in the trail, naming whose lease it was and why. The next
 * run then repairs whatever the stopped run left (its write-ahead marker). If that run is in fact alive, its
 * next renewal fails and it stops (fencing); only a call it had already sent can still land. Returns the
 * lease released, or null when no run held one (then nothing is written).
 */
export async function releaseLeaseByHand(request: {
  lease: LeaseStore;
  trail: TrailStore;
  account: string;
  actor: string;
  user: string;
  why: string;
  clock: Clock;
}): Promise<LeaseState | null> {
  const released = await request.lease.forceRelease(request.account, request.user);
  if (!released) return null;
  await request.trail.append({
    at: request.clock(),
    account: request.account,
    actor: request.actor,
    action: 'lease.release',
    user: request.user,
    accessKeyId: null,
    outcome: 'success',
    reason: `released by hand the lease of ${released.holder} (until ${released.until.toISOString()}): ${request.why}`,
  });
  return released;
}
