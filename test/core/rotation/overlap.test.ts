import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RotationRun } from '../../../core/rotation/index.js';
import { DAY_MS } from '../../../core/time.js';
import { type FaultProxy, type Interference, startFaultProxy } from '../../support/fault-proxy.js';
import { type SeedUser, seedIam } from '../../support/iam-seed.js';
import { type Moto, motoAvailable, startMoto } from '../../support/moto.js';
import { ACCOUNT, type RotationBed, rotationBed, SCOPE_TAG } from '../../support/rotation-bed.js';
import { readRecords } from '../../support/trail-records.js';

/**
 * Issue #25 items 6 and 7, reproduced deterministically: run A's AWS calls go through a fault proxy that
 * holds (or drops) one of its answers; run B (direct to moto, through a second proxy that only counts) runs
 * to the end in the meantime. Then A goes on. Every rotation invariant must hold afterwards.
 */
const asOf = new Date('2026-06-01T12:00:00Z');
const later = (days: number) => new Date(asOf.getTime() + days * DAY_MS);

describe.skipIf(!motoAvailable())('overlapping runs on one user (issue #25)', () => {
  let moto: Moto;
  let proxyA: FaultProxy;
  let proxyB: FaultProxy;
  let bed: RotationBed;
  beforeAll(async () => {
    moto = await startMoto();
    moto.useInThisProcess();
    proxyA = await startFaultProxy(moto.endpoint);
    proxyB = await startFaultProxy(moto.endpoint);
  });
  afterAll(async () => {
    await proxyA?.close();
    await proxyB?.close();
    await moto?.stop();
  });
  async function prepare(users: SeedUser[]) {
    await moto.reset();
    await seedIam(moto, asOf, users);
    bed = await rotationBed(moto, {}, asOf);
    bed.setNow(asOf);
    proxyA.clearInterference();
    proxyB.clearInterference();
  }
  beforeEach(() => {
    proxyA.calls.length = 0;
    proxyB.calls.length = 0;
  });
  afterEach(() => bed?.close());

  const runA = (overrides = {}) => bed.runVia(proxyA.endpoint, { users: ['alice'], ...overrides });
  const runB = (overrides = {}) =>
    bed.runVia(proxyB.endpoint, { users: ['alice'], leaseWaitMs: 0, ...overrides });

  /** A runs until `interference` catches its call; B runs whole meanwhile; then A goes on. */
  async function overlap(interference: Interference, overrides = {}): Promise<[RotationRun, RotationRun]> {
    const held = proxyA.interfere(interference);
    const a = runA(overrides);
    await held.reached;
    const b = await runB(overrides);
    held.release();
    return [await a, b];
  }

  const mutations = () =>
    [...proxyA.calls, ...proxyB.calls].filter((call) =>
      /^(CreateAccessKey|UpdateAccessKey|DeleteAccessKey) /.test(call),
    );

  /** Every rotation invariant of DESIGN.md for alice, as AWS and the trail show them now. */
  async function expectInvariants(originalKeys: string[]) {
    const keys = await bed.keys('alice');
    const stored = await bed.storedSecret('alice');
    const described = await bed.secrets.send(
      new DescribeSecretCommand({ SecretId: `keywarden/${ACCOUNT}/alice` }),
    );
    const records = (await readRecords(bed.trail)).filter((record) => record.user === 'alice');
    // never a third key
    expect(keys.length).toBeLessThanOrEqual(2);
    // every Active key keywarden created is the one the secret holds, or covered by a write-ahead marker
    const marker = described.Tags?.find((tag) => tag.Key === 'keywarden:pending')?.Value ?? '';
    for (const key of keys.filter((k) => k.status === 'Active' && !originalKeys.includes(k.id))) {
      expect({ key: key.id, stored: stored?.AccessKeyId === key.id || marker.startsWith('create') }).toEqual({
        key: key.id,
        stored: true,
      });
    }
    // the stored key exists
    if (stored?.AccessKeyId) expect(keys.map((k) => k.id)).toContain(stored.AccessKeyId);
    // one trail record per mutation: no mutation recorded twice
    const once = records.map((record) =>
      'action' in record ? `${record.action} ${record.accessKeyId}` : '',
    );
    const mutating = once.filter((line) => /^key\.(create|deactivate|delete) /.test(line));
    expect(mutating).toEqual([...new Set(mutating)]);
    return { keys, stored, records };
  }

  describe('item 6: a live run is not mistaken for a crashed one', () => {
    it('first key: a second run while A waits for CreateAccessKey leaves the stored key alive', async () => {
      await prepare([{ name: 'alice', tags: SCOPE_TAG }]);
      await overlap({ kind: 'hold-answer', action: 'CreateAccessKey' });
      const { keys, stored } = await expectInvariants([]);
      expect(keys.filter((k) => k.status === 'Active').map((k) => k.id)).toEqual([stored?.AccessKeyId]);
      expect(mutations().filter((call) => call.startsWith('CreateAccessKey'))).toHaveLength(1);
    });

    it('existing key: a second run while A stores its key neither deletes it nor rotates twice', async () => {
      await prepare([{ name: 'alice', tags: SCOPE_TAG, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] }]);
      const [original] = (await bed.keys('alice')).map((k) => k.id);
      await overlap({ kind: 'hold-request', action: 'PutSecretValue' });
      const { keys } = await expectInvariants([original as string]);
      expect(keys).toHaveLength(2);
      expect(mutations().filter((call) => call.startsWith('CreateAccessKey'))).toHaveLength(1);
    });

    it('deactivation: one UpdateAccessKey and one key.deactivate record for one change', async () => {
      await prepare([{ name: 'alice', tags: SCOPE_TAG, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] }]);
      const [original] = (await bed.keys('alice')).map((k) => k.id);
      await bed.run({ users: ['alice'] });
      bed.setNow(later(7));
      proxyA.calls.length = 0;
      await overlap({ kind: 'hold-request', action: 'UpdateAccessKey' });
      const { records } = await expectInvariants([original as string]);
      expect(mutations()).toEqual([`UpdateAccessKey alice`]);
      expect(records.filter((r) => 'action' in r && r.action === 'key.deactivate')).toHaveLength(1);
    });

    it('deletion: one key.delete record for one deletion, not a "success" and a "recovered"', async () => {
      await prepare([{ name: 'alice', tags: SCOPE_TAG, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] }]);
      const [original] = (await bed.keys('alice')).map((k) => k.id);
      await bed.run({ users: ['alice'] });
      bed.setNow(later(7));
      await bed.run({ users: ['alice'] });
      bed.setNow(later(14));
      await overlap({ kind: 'hold-answer', action: 'DeleteAccessKey' });
      const { records } = await expectInvariants([original as string]);
      const deletes = records.filter((r) => 'action' in r && r.action === 'key.delete');
      expect(deletes.map((r) => ('outcome' in r ? r.outcome : ''))).toEqual(['success']);
    });
  });

  describe('a manual rotation approved while another run was at work', () => {
    it('does not rotate again the first key the other run made meanwhile (found by the races)', async () => {
      await prepare([{ name: 'alice', tags: SCOPE_TAG }]);
      // A, the scheduled run, has made alice's first key and is about to make its secret current.
      const held = proxyA.interfere({ kind: 'hold-request', action: 'UpdateSecretVersionStage' });
      const a = runA({ users: 'in-scope' });
      await held.reached;
      // The operator's `keywarden rotate --user alice` shows its plan now and is approved.
      const preview = await runB({ force: true, dryRun: true });
      const seen = preview.users[0]?.seen;
      expect(seen).toBeDefined();
      held.release();
      expect((await a).users[0]?.status).toBe('done');
      // Then it acts on what it showed: A has done the rotation, so it follows the policy's timeline.
      const manual = await runB({ force: true, ...(seen === undefined ? {} : { forceOnlyIfSeen: seen }) });
      expect(manual.users[0]?.status).toBe('waiting');
      const { keys, stored } = await expectInvariants([]);
      expect(keys.map((k) => k.id)).toEqual([stored?.AccessKeyId]);
      expect(mutations().filter((call) => call.startsWith('CreateAccessKey'))).toHaveLength(1);
    });
  });

  describe('item 7: a lost CreateAccessKey answer', () => {
    it('keeps the write-ahead marker, and the next run records and deletes the unreadable key', async () => {
      await prepare([{ name: 'alice', tags: SCOPE_TAG, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] }]);
      const [original] = (await bed.keys('alice')).map((k) => k.id);
      proxyA.interfere({ kind: 'drop-answer', action: 'CreateAccessKey' });
      const lost = await runA();
      // Whatever this run says, no key may be left that nothing records and no marker covers.
      await expectInvariants([original as string]);
      expect(JSON.stringify(lost)).not.toContain('LimitExceeded');
      expect(proxyA.calls.filter((call) => call.startsWith('CreateAccessKey'))).toHaveLength(1);
      const repaired = await bed.run({ users: ['alice'] });
      const { keys, stored, records } = await expectInvariants([original as string]);
      expect(repaired.users[0]?.status).toBe('done');
      expect(keys.map((k) => k.id)).toEqual([original, stored?.AccessKeyId]);
      const lostKey = records.find(
        (r) => 'outcome' in r && r.action === 'key.create' && r.outcome === 'recovered',
      );
      expect(lostKey).toBeDefined();
    });
  });
});
