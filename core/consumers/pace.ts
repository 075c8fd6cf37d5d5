/**
 * LookupEvents allows two requests a second per account and region; faster callers are throttled. keywarden
 * spaces its requests itself, so that a lookup of many pages runs at that rate without being refused, and the
 * clock and the wait are injected so that tests prove the spacing without waiting real seconds.
 */
export const LOOKUP_EVENTS_PER_SECOND = 2;
/**
 * Requests are spaced 5 % wider than the limit: two requests sent exactly 500 ms apart may arrive less than
 * 500 ms apart (the network does not keep time), and a refused request costs a second's wait.
 */
export const PACE_MARGIN = 1.05;

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
  private readonly intervalMs: number;
  private nextAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly timer: PaceTimer = realTimer,
    ratePerSecond: number = LOOKUP_EVENTS_PER_SECOND,
  ) {
    this.intervalMs = (1000 / ratePerSecond) * PACE_MARGIN;
  }

  /** Waits until the next request may start, and takes that slot. */
  async take(): Promise<void> {
    const now = this.timer.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + this.intervalMs;
    if (at > now) await this.timer.sleep(at - now);
  }

  /** The least time between two request starts. */
  get interval(): number {
    return this.intervalMs;
  }

  /** After a throttling answer: no request before `ms` from now (someone else shares the budget). */
  holdOff(ms: number): void {
    this.nextAt = Math.max(this.nextAt, this.timer.now() + ms);
  }
}
