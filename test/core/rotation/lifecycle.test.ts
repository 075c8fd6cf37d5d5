import { describe, expect, it } from 'vitest';
import { runAudit } from '../../../core/audit/run.js';
import { DAY_MS } from '../../../core/time.js';
import { markUsed } from '../../support/iam-seed.js';
import { type Moto, motoAvailable } from '../../support/moto.js';
import { type RotationBed, rotationBed, SCOPE_TAG, useRotationSuite } from '../../support/rotation-bed.js';
import { readRecords } from '../../support/trail-records.js';

const asOf = new Date('2026-06-01T12:00:00Z');
const later = (days: number) => new Date(asOf.getTime() + days * DAY_MS);

describe.skipIf(!motoAvailable())('rotation lifecycle against moto', () => {
  let moto: Moto;
  let bed: RotationBed;
  useRotationSuite(
    asOf,
    [
      { name: 'alice', tags: SCOPE_TAG, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] },
      { name: 'not-enrolled', keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] },
    ],
    (started, ready) => {
      moto = started;
      bed = ready;
    },
  );

  async function violations(): Promise<number> {
    const report = await runAudit({ config: bed.config, asOf: bed.now(), source: 'api' });
    return report.findings.filter((f) => f.user === 'alice' && f.severity === 'violation').length;
  }

  it('replaces at 81 days, deactivates 7 days later, deletes 7 days after that, one record per mutation', async () => {
    const [oldKey] = await bed.keys('alice');

    const first = await bed.run();
    const afterCreate = await bed.keys('alice');
    const stored = await bed.storedSecret('alice');
    expect(first.users.map((u) => [u.user, u.status])).toEqual([['alice', 'done']]);
    expect(afterCreate).toHaveLength(2);
    expect(stored?.AccessKeyId).toBe(afterCreate[1]?.id);
    expect(typeof stored?.SecretAccessKey).toBe('string');
    expect(await violations()).toBe(0);

    bed.setNow(later(6));
    expect((await bed.run()).users[0]?.status).toBe('waiting');
    bed.setNow(later(7));
    const second = await bed.run();
    expect(second.users[0]?.actions.map((a) => a.kind)).toEqual(['deactivate']);
    expect((await bed.keys('alice')).map((k) => k.status)).toEqual(['Inactive', 'Active']);
    expect(await violations()).toBe(0);

    bed.setNow(later(13));
    expect((await bed.run()).users[0]?.status).toBe('waiting');
    bed.setNow(later(14));
    await bed.run();
    const final = await bed.keys('alice');
    expect(final.map((k) => k.id)).toEqual([stored?.AccessKeyId]);
    expect(final.map((k) => k.id)).not.toContain(oldKey?.id);
    expect(await violations()).toBe(0);

    const again = await bed.run();
    expect(again.users[0]?.status).toBe('waiting');
    const records = await readRecords(bed.trail);
    expect(records.map((r) => [r.action, r.accessKeyId])).toEqual([
      ['key.create', stored?.AccessKeyId],
      ['secret.store', stored?.AccessKeyId],
      ['notice', stored?.AccessKeyId],
      ['key.deactivate', oldKey?.id],
      ['key.delete', oldKey?.id],
    ]);
    expect(await bed.trail.verify()).toMatchObject({ intact: true });
    expect(await bed.keys('not-enrolled')).toHaveLength(1);
  });

  it('deactivates an old key still in use at the deadline under enforce, after the notice', async () => {
    const [oldKey] = await bed.keys('alice');
    await bed.run();
    bed.setNow(later(3));
    await markUsed(moto, oldKey?.id as string);

    bed.setNow(later(7));
    const run = await bed.run();

    expect(run.users[0]?.actions).toEqual([
      expect.objectContaining({
        kind: 'deactivate',
        keyId: oldKey?.id,
        reason: expect.stringContaining('still in use'),
      }),
    ]);
    const records = await readRecords(bed.trail);
    const notice = records.findIndex((r) => r.action === 'notice');
    const deactivation = records.findIndex((r) => r.action === 'key.deactivate');
    expect(notice).toBeGreaterThanOrEqual(0);
    expect(deactivation).toBeGreaterThan(notice);
  });

  it('keeps an old key still in use when enforce is off, and reports the user blocked', async () => {
    bed.close();
    bed = await rotationBed(moto, { rotation: { enforce: false } }, asOf);
    const [oldKey] = await bed.keys('alice');
    await bed.run();
    bed.setNow(later(3));
    await markUsed(moto, oldKey?.id as string);

    bed.setNow(later(7));
    const run = await bed.run();

    expect(run.users[0]).toMatchObject({ status: 'blocked', actions: [] });
    expect((await bed.keys('alice')).map((k) => k.status)).toEqual(['Active', 'Active']);
  });
});
