import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JsonlTrailStore } from '../../../core/trail/index.js';
import { runCli } from '../../support/capture-io.js';
import { motoAvailable } from '../../support/moto.js';
import { LEASE_BUCKET, type RotationBed, SCOPE_TAG, useRotationSuite } from '../../support/rotation-bed.js';
import { readRecords } from '../../support/trail-records.js';

const now = new Date('2026-06-01T12:00:00Z');

describe.skipIf(!motoAvailable())('rotateUsers against moto', () => {
  let bed: RotationBed;
  useRotationSuite(
    now,
    [
      { name: 'alice', tags: SCOPE_TAG, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] },
      { name: 'bob', tags: SCOPE_TAG, keys: [{ ageDays: 85, lastUsedDaysAgo: 2 }] },
      { name: 'newcomer', tags: SCOPE_TAG },
      { name: 'young', tags: SCOPE_TAG, keys: [{ ageDays: 10, lastUsedDaysAgo: 1 }] },
      { name: 'outsider', keys: [{ ageDays: 300, lastUsedDaysAgo: 1 }] },
    ],
    (_moto, ready) => {
      bed = ready;
    },
  );

  it('rotates only the users in scope that are due, and issues a first key', async () => {
    const run = await bed.run({ summary: true });
    const status = Object.fromEntries(run.users.map((u) => [u.user, u.status]));
    expect(status).toEqual({ alice: 'done', bob: 'done', newcomer: 'done', young: 'waiting' });
    expect(run.complete).toBe(true);
    expect(await bed.keys('outsider')).toHaveLength(1);
    expect(await bed.keys('newcomer')).toHaveLength(1);
    const notices = await bed.notices();
    expect(notices.filter((body) => body.includes('rotation in account 123456789012'))).toHaveLength(1);
  });

  it('changes nothing and writes nothing in a dry run', async () => {
    const run = await bed.run({ dryRun: true });
    expect(run.users.find((u) => u.user === 'alice')).toMatchObject({
      status: 'planned',
      actions: [{ kind: 'create', outcome: 'skipped' }],
    });
    expect(await bed.keys('alice')).toHaveLength(1);
    expect(await bed.secretNames()).toEqual([]);
    expect(await readRecords(bed.trail)).toEqual([]);
    expect(await bed.notices()).toEqual([]);
  });

  it('defers users past the deadline, and the next run finishes without repeating work', async () => {
    let ticks = 0;
    const first = await bed.run({ concurrency: 1, deadline: 2, wallClock: () => ticks++ });
    expect(first.counts.deferred).toBeGreaterThan(0);
    expect(first.complete).toBe(false);
    const second = await bed.run();
    const rotatedTwice = second.users.filter(
      (u) => u.status === 'done' && first.users.find((f) => f.user === u.user)?.status === 'done',
    );
    expect(rotatedTwice).toEqual([]);
    expect((await readRecords(bed.trail)).filter((r) => r.action === 'key.create')).toHaveLength(3);
  });

  it('does not double-rotate when two runs start at once: the second waits for the lease, then finds nothing due', async () => {
    const otherTrail = new JsonlTrailStore(bed.trailFile);
    const [one, two] = await Promise.all([
      bed.run({ users: ['alice'] }),
      bed.run({ users: ['alice'], trail: otherTrail }),
    ]);
    const keys = await bed.keys('alice');
    const stored = await bed.storedSecret('alice');
    expect(keys).toHaveLength(2);
    expect(keys[1]?.id).toBe(stored?.AccessKeyId);
    expect([one.users[0]?.status, two.users[0]?.status].sort()).toEqual(['done', 'waiting']);
    expect((await readRecords(bed.trail)).filter((r) => r.action === 'key.create')).toHaveLength(1);
    expect(await bed.trail.verify()).toMatchObject({ intact: true });
  });

  it('keeps every secret out of stdout, stderr, the trail, the notices and the result', async () => {
    const engineRun = await bed.run();
    const cliRun = await runCli(
      [
        'rotate',
        '--user',
        'young',
        '--yes',
        '--trail-file',
        bed.trailFile,
        '--lease-bucket',
        LEASE_BUCKET,
        '--notify-topic',
        bed.notifier.channel.slice(4),
      ],
      { cwd: bed.dir, now },
    );
    expect(cliRun.code).toBe(0);
    const secrets = await Promise.all(['alice', 'bob', 'newcomer', 'young'].map((u) => bed.storedSecret(u)));
    const values = secrets.map((s) => s?.SecretAccessKey ?? '');
    expect(values.every((v) => v.length >= 20)).toBe(true);
    const places = {
      stdout: cliRun.stdout,
      stderr: cliRun.stderr,
      trail: readFileSync(bed.trailFile, 'utf8'),
      notices: (await bed.notices()).join('\n'),
      result: JSON.stringify(engineRun),
    };
    const leaks = Object.entries(places).filter(([, text]) => values.some((value) => text.includes(value)));
    expect(leaks.map(([place]) => place)).toEqual([]);
    expect(places.notices).toContain('is in Secrets Manager as keywarden/123456789012/young');
  });
});
