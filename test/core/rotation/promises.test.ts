import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../core/time.js';
import { runCli } from '../../support/capture-io.js';
import { motoAvailable } from '../../support/moto.js';
import { LEASE_BUCKET, type RotationBed, SCOPE_TAG, useRotationSuite } from '../../support/rotation-bed.js';

// Half an hour into a UTC day: the planner acts from an hour before the due instant, i.e. the day before.
const asOf = new Date('2026-06-01T00:30:00Z');
const at = (iso: string) => new Date(iso);

const promisedDay = (text: string) => /deactivated on or after (\d{4}-\d{2}-\d{2})/.exec(text)?.[1] ?? 'none';

describe.skipIf(!motoAvailable())('the day a notice promises, against moto', () => {
  let bed: RotationBed;
  useRotationSuite(
    asOf,
    [
      { name: 'alice', tags: SCOPE_TAG, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] },
      { name: 'bob', keys: [{ ageDays: 30, lastUsedDaysAgo: 1 }] },
    ],
    (_moto, ready) => {
      bed = ready;
    },
  );

  /** Runs at each instant until the old key is Inactive; returns the UTC day of that run. */
  async function dayDeactivated(user: string, runs: Date[], options: { users?: string[] } = {}) {
    const [oldKey] = await bed.keys(user);
    for (const run of runs) {
      bed.setNow(run);
      await bed.run(options.users ? { users: options.users } : {});
      const now = (await bed.keys(user)).find((key) => key.id === oldKey?.id);
      if (now?.status === 'Inactive') return run.toISOString().slice(0, 10);
    }
    return 'never';
  }

  it('does not deactivate before the promised day on an hourly schedule that rotated in the first hour of a day', async () => {
    // Prepare: the hourly run reaches alice at 00:30, creates the replacement and tells the owner.
    await bed.run();
    const [notice] = (await bed.notices()).map((body) => JSON.parse(body).Message as string);
    const promised = promisedDay(notice ?? '');

    // Act: the hourly runs of the evening before the seventh day, reaching alice a minute later than then.
    const hourly = [20, 21, 22, 23].map((hour) => at(`2026-06-07T${hour}:31:00Z`));
    hourly.push(new Date(hourly[3]!.getTime() + 3_600_000));
    const deactivatedOn = await dayDeactivated('alice', hourly);

    // Assess
    expect(deactivatedOn).not.toBe('never');
    expect(promised <= deactivatedOn).toBe(true);
  });

  it('does not deactivate before the promised day after a manual rotate at the wrong hour', async () => {
    // Prepare: a person rotates bob at 00:30; the daily schedule runs at 23:45.
    const manual = await runCli(
      ['rotate', '--user', 'bob', '--yes', '--trail-file', bed.trailFile, '--lease-bucket', LEASE_BUCKET],
      {
        cwd: bed.dir,
        now: asOf,
      },
    );
    expect(manual.code).toBe(0);
    const promised = promisedDay(manual.stdout);

    // Act
    const daily = [5, 6, 7, 8].map((day) => new Date(Date.parse('2026-06-01T23:45:00Z') + day * DAY_MS));
    const deactivatedOn = await dayDeactivated('bob', daily, { users: ['bob'] });

    // Assess
    expect(deactivatedOn).not.toBe('never');
    expect(promised <= deactivatedOn).toBe(true);
  });
});
