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

  it('holds off after a throttling answer', async () => {
    const timer = virtualTimer();
    const pacer = new RequestPacer(timer);
    await pacer.take();
    pacer.holdOff(4000);
    await pacer.take();
    expect(timer.now()).toBe(4000);
  });
});
