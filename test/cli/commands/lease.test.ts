import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/capture-io.js';
import { motoAvailable } from '../../support/moto.js';
import { LEASE_BUCKET, type RotationBed, SCOPE_TAG, useRotationSuite } from '../../support/rotation-bed.js';
import { readRecords } from '../../support/trail-records.js';

const now = new Date('2026-06-01T12:00:00Z');

describe.skipIf(!motoAvailable())('keywarden lease against moto', () => {
  let bed: RotationBed;
  useRotationSuite(
    now,
    [{ name: 'alice', tags: SCOPE_TAG, keys: [{ ageDays: 30, lastUsedDaysAgo: 1 }] }],
    (_moto, ready) => {
      bed = ready;
    },
  );
  const cli = (args: string[]) => runCli(args, { cwd: bed.dir, now });
  const leaseArgs = () => ['--lease-bucket', LEASE_BUCKET];

  it('shows a held lease with exit 1, releases it with a trail record naming whose it was, then shows it free', async () => {
    // Prepare: a run that stopped while holding alice's lease.
    const taken = await bed.lease.acquire('123456789012', 'alice', {
      holder: 'arn:aws:iam::123456789012:user/laptop',
      waitMs: 0,
    });
    expect(taken.held).toBe(true);

    // Act
    const held = await cli(['lease', 'show', '--user', 'alice', ...leaseArgs()]);
    const released = await cli([
      'lease',
      'release',
      '--user',
      'alice',
      '--yes',
      '--reason',
      'the laptop running keywarden rotate was closed mid-run (INC-4711)',
      '--trail-file',
      bed.trailFile,
      ...leaseArgs(),
    ]);
    const free = await cli(['lease', 'show', '--user', 'alice', ...leaseArgs()]);

    // Assess
    expect(held.code).toBe(1);
    expect(held.stdout).toMatch(/^alice: held by arn:aws:iam::123456789012:user\/laptop until \d{4}-/);
    expect(released.code).toBe(0);
    expect(released.stdout).toContain('alice: released the lease of arn:aws:iam::123456789012:user/laptop');
    expect(free.code).toBe(0);
    expect(free.stdout).toContain('alice: no run holds the lease');
    const records = await readRecords(bed.trail);
    expect(records.map((record) => [record.action, record.user, record.accessKeyId])).toEqual([
      ['lease.release', 'alice', null],
    ]);
    expect(records[0]?.reason).toMatch(
      /^released by hand the lease of arn:aws:iam::123456789012:user\/laptop \(until .*\): the laptop running keywarden rotate was closed mid-run \(INC-4711\)$/,
    );
    // The stopped run's next renewal fails: it may not change anything more.
    if (taken.held) await expect(taken.lease.confirm()).rejects.toThrow(/another run took over the lease/);
  });

  it('releases nothing and records nothing when no run holds the lease', async () => {
    const run = await cli([
      'lease',
      'release',
      '--user',
      'alice',
      '--yes',
      '--reason',
      'check',
      '--trail-file',
      bed.trailFile,
      ...leaseArgs(),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('alice: no run held the lease; nothing released, nothing recorded\n');
    expect(await readRecords(bed.trail)).toEqual([]);
  });

  it('refuses to rotate without a lease bucket, with exit 2 and one line, changing nothing', async () => {
    const before = await bed.keys('alice');
    const run = await cli(['rotate', '--user', 'alice', '--yes', '--trail-file', bed.trailFile]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^keywarden: rotation changes keys only under a per-user lease.*docs\/overlapping-runs\.md\n$/,
    );
    expect(await bed.keys('alice')).toEqual(before);
    expect(await bed.secretNames()).toEqual([]);
  });
});
