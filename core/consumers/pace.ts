/**
 * LookupEvents allows two requests a second per account and region; faster callers are throttled. keywarden
 * spaces its requests itself, so that a lookup of many pages runs at that rate without being refused, and the
 * clock and the wait are injected so that tests prove the spacing without waiting real seconds.
 */
export const LOOKUP_EVENTS_PER_SECOND = 2;
/**
 * Requests are spaced a little wider than the limit: two requests sent 500 ms apart may arrive less than 500 ms
 * apart (neither the network nor a busy machine keeps time). The margin starts at 2 %, widens by 2 points with
 * each refusal (to at most 25 %) and narrows by one point after each 20 requests without one: it settles where
 * this machine and network keep the gap.
 */
export const PACE_MARGIN = 1.02;
const MAX_MARGIN = 1.25;
const WIDEN = 0.02;
const NARROW = 0.01;
const NARROW_AFTER = 20;

export interface PaceTimer {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realTimer: PaceTimer = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A token bucket of one token: request starts are at least 1/rate apart (never a burst that the service's own
 * bucket might refuse). One pacer per account and region, shared by every lookup made there.
 */
export class RequestPacer {
  private readonly baseMs: number;
  private margin = PACE_MARGIN;
  private unrefused = 0;
  private nextAt = Number.NEGATIVE_INFINITY;
  /** Callers holding a slot they have not started yet. */
  private waiting = 0;

  constructor(
    readonly timer: PaceTimer = realTimer,
    ratePerSecond: number = LOOKUP_EVENTS_PER_SECOND,
  ) {
    this.baseMs = 1000 / ratePerSecond;
  }

  private get intervalMs(): number {
    return this.baseMs * this.margin;
  }

  /** Waits until the next request may start, and takes that slot. */
  async take(): Promise<void> {
    const now = this.timer.now();
    if (++this.unrefused >= NARROW_AFTER) {
      this.unrefused = 0;
      this.margin = Math.max(PACE_MARGIN, this.margin - NARROW);
    }
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + this.intervalMs;
    this.waiting++;
    try {
      if (at > now) await this.timer.sleep(at - now);
    } finally {
      this.waiting--;
    }
    // A late wake-up (a busy machine) moves the next slot too: the service counts arrivals, not intentions.
    const started = this.timer.now();
    if (started > at) this.nextAt = Math.max(this.nextAt, started + this.intervalMs);
  }

  /** The least time between two request starts. */
  get interval(): number {
    return this.intervalMs;
  }

  /** After a failure worth waiting for (a server error): no request before `ms` from now. */
  holdOff(ms: number): void {
    this.nextAt = Math.max(this.nextAt, this.timer.now() + ms);
  }

  /**
   * After a throttling answer: the refused request used no token, so the slot it held is given back and the next
   * request may go `ms` from now (a request that arrived a little early needs only a little longer). Slots other
   * callers already hold are kept.
   */
  refused(ms: number): void {
    this.unrefused = 0;
    this.margin = Math.min(MAX_MARGIN, this.margin + WIDEN);
    const retryAt = this.timer.now() + ms;
    this.nextAt = this.waiting > 0 ? Math.max(this.nextAt, retryAt) : retryAt;
  }
}
