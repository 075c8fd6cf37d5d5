import { describe, expect, it } from 'vitest';
import { PACE_MARGIN, RequestPacer } from '../../../core/consumers/pace.js';
import { virtualTimer } from './fixtures.js';

describe('RequestPacer', () => {
  it('spaces request starts at two a second (with its margin), the first at once', async () => {
    const timer = virtualTimer();
    const pacer = new RequestPacer(timer);
    const starts: number[] = [];
    for (let i = 0; i < 4; i++) {
      await pacer.take();
      starts.push(timer.now());
    }
    expect(starts).toEqual([0, 500 * PACE_MARGIN, 1000 * PACE_MARGIN, 1500 * PACE_MARGIN]);
  });

  it('gives concurrent callers distinct slots', async () => {
    const timer = virtualTimer();
    const pacer = new RequestPacer(timer);
    await Promise.all([pacer.take(), pacer.take(), pacer.take()]);
    // The second waits one interval, the third one more: the last starts two intervals after the first.
    expect(timer.slept).toHaveLength(2);
    expect(timer.now()).toBe(1000 * PACE_MARGIN);
  });

  it('does not wait when the caller is slower than the limit', async () => {
    let now = 0;
    const slept: number[] = [];
    const pacer = new RequestPacer({ now: () => now, sleep: async (ms) => void slept.push(ms) });
    await pacer.take();
    now = 2000;
    await pacer.take();
    expect(slept).toEqual([]);
  });

  it('gives a refused request’s slot back, and retries after the given wait', async () => {
    const timer = virtualTimer();
    const pacer = new RequestPacer(timer);
    await pacer.take();
    pacer.refused(100);
    await pacer.take();
    expect(timer.now()).toBe(100);
    await pacer.take();
    // A refusal widens the margin by two points.
    expect(timer.now()).toBe(100 + 500 * (PACE_MARGIN + 0.02));
  });

  it('narrows the margin again after twenty requests without a refusal, never below the first', async () => {
    const timer = virtualTimer();
    const pacer = new RequestPacer(timer);
    pacer.refused(0);
    pacer.refused(0);
    expect(pacer.interval).toBeCloseTo(500 * (PACE_MARGIN + 0.04));
    for (let i = 0; i < 20; i++) await pacer.take();
    expect(pacer.interval).toBeCloseTo(500 * (PACE_MARGIN + 0.03));
    for (let i = 0; i < 100; i++) await pacer.take();
    expect(pacer.interval).toBeCloseTo(500 * PACE_MARGIN);
  });

  it('holds off after a server error', async () => {
    const timer = virtualTimer();
    const pacer = new RequestPacer(timer);
    await pacer.take();
    pacer.holdOff(4000);
    await pacer.take();
    expect(timer.now()).toBe(4000);
  });
});
