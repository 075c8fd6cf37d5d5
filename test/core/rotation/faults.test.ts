import { readFileSync } from 'node:fs';
import { DescribeSecretCommand, GetResourcePolicyCommand } from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RotationRun } from '../../../core/rotation/index.js';
import { DAY_MS } from '../../../core/time.js';
import {
  CallLog,
  instrumentClient,
  instrumentNotifier,
  instrumentTrail,
} from '../../support/fault-injection.js';
import { seedIam } from '../../support/iam-seed.js';
import { type Moto, motoAvailable } from '../../support/moto.js';
import {
  ACCOUNT,
  type RotationBed,
  rotationBed,
  SCOPE_TAG,
  useRotationSuite,
} from '../../support/rotation-bed.js';
import { readRecords } from '../../support/trail-records.js';

const asOf = new Date('2026-06-01T12:00:00Z');
const later = (days: number) => new Date(asOf.getTime() + days * DAY_MS);

/**
 * Each phase of a rotation, and the calls its run makes, in order. A scenario lets the n-th call take
 * effect and then fail, runs again without faults, and asserts every invariant. If the executor changes
 * its calls, the first test here fails and this table must be updated with it.
 */
const PHASES = {
  'rotation day (key 81 days old)': {
    setup: async (_run: () => Promise<RotationRun>, _bed: RotationBed) => {},
    calls: [
      'ListUsers',
      'ListUserTags',
      'ListUserTags',
      'ListAccessKeys',
      'ListAttachedUserPolicies',
      // DescribeSecret fails (no secret yet): a failed call cannot take effect, so it is no scenario.
      // Something is due: the user's lease is taken (S3, not counted here) and the state read again.
      'ListAccessKeys',
      'ListAttachedUserPolicies',
      'CreateSecret',
      'PutResourcePolicy',
      'TagResource',
      'CreateAccessKey',
      'PutSecretValue',
      'UpdateSecretVersionStage',
      'trail key.create',
      'trail secret.store',
      'Publish',
      'trail notice',
      'TagResource',
    ],
  },
  'deactivation day (replacement 7 days old)': {
    setup: async (run: () => Promise<RotationRun>, bed: RotationBed) => {
      await run();
      bed.setNow(later(7));
    },
    calls: [
      'ListUsers',
      'ListUserTags',
      'ListUserTags',
      'ListAccessKeys',
      'ListAttachedUserPolicies',
      'DescribeSecret',
      'GetAccessKeyLastUsed',
      'GetAccessKeyLastUsed',
      'ListAccessKeys',
      'ListAttachedUserPolicies',
      'DescribeSecret',
      'GetAccessKeyLastUsed',
      'GetAccessKeyLastUsed',
      'TagResource',
      'UpdateAccessKey',
      'trail key.deactivate',
      'TagResource',
    ],
  },
  'deletion day (old key inactive 7 days)': {
    setup: async (run: () => Promise<RotationRun>, bed: RotationBed) => {
      await run();
      bed.setNow(later(7));
      await run();
      bed.setNow(later(14));
    },
    calls: [
      'ListUsers',
      'ListUserTags',
      'ListUserTags',
      'ListAccessKeys',
      'ListAttachedUserPolicies',
      'DescribeSecret',
      'GetAccessKeyLastUsed',
      'GetAccessKeyLastUsed',
      'ListAccessKeys',
      'ListAttachedUserPolicies',
      'DescribeSecret',
      'GetAccessKeyLastUsed',
      'GetAccessKeyLastUsed',
      'TagResource',
      'DeleteAccessKey',
      'trail key.delete',
      'TagResource',
    ],
  },
} as const;

type PhaseName = keyof typeof PHASES;

const SCENARIOS = (Object.keys(PHASES) as PhaseName[]).flatMap((phase) =>
  PHASES[phase].calls.map((call, index) => ({ phase, call, after: index + 1 })),
);

describe.skipIf(!motoAvailable())('rotation under injected faults (moto)', () => {
  let moto: Moto;
  let bed: RotationBed;
  let log: CallLog;
  useRotationSuite(
    asOf,
    [
      { name: 'alice', tags: SCOPE_TAG, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] },
      { name: 'bystander', keys: [{ ageDays: 200, lastUsedDaysAgo: 1 }] },
    ],
    (started, ready) => {
      moto = started;
      bed = ready;
    },
  );
  beforeEach(() => {
    log = new CallLog();
  });

  function instrumentedRun() {
    instrumentClient(bed.iam, log);
    instrumentClient(bed.secrets, log);
    return () =>
      bed.run({
        concurrency: 1,
        trail: instrumentTrail(bed.trail, log),
        notifier: instrumentNotifier(bed.notifier, log),
      });
  }

  /** The six rotation invariants of docs/design.md, checked on AWS, the trail and the notices as they are now. */
  async function assertInvariants(originalKey: string, runs: RotationRun[], { justFailed = false } = {}) {
    const keys = await bed.keys('alice');
    const stored = await bed.storedSecret('alice');
    // 1. never a third key, and LimitExceeded never surfaced
    expect(keys.length).toBeLessThanOrEqual(2);
    expect(JSON.stringify(runs).includes('LimitExceeded')).toBe(false);
    // 2. every key but the original is the stored one (no key lives whose secret is not stored), or, right
    // after a failed run, one its create marker covers (the key of a lost CreateAccessKey answer: the next
    // run records and deletes it)
    const described = await bed.secrets
      .send(new DescribeSecretCommand({ SecretId: `keywarden/${ACCOUNT}/alice` }))
      .catch(() => null);
    const marker = described?.Tags?.find((tag) => tag.Key === 'keywarden:pending')?.Value ?? '';
    for (const key of keys.filter((k) => k.id !== originalKey)) {
      if (justFailed && marker.startsWith('create ') && key.id !== stored?.AccessKeyId) continue;
      expect(key.id).toBe(stored?.AccessKeyId);
    }
    // (a secret holding only its placeholder holds no key)
    if (stored?.AccessKeyId) {
      const policy = await bed.secrets.send(
        new GetResourcePolicyCommand({ SecretId: `keywarden/${ACCOUNT}/alice` }),
      );
      expect(policy.ResourcePolicy ?? '').toContain('arn:aws:iam::123456789012:user/alice');
    }
    // 3. always a working key
    expect(keys.filter((k) => k.status === 'Active').length).toBeGreaterThanOrEqual(1);
    // 4. one trail record per mutation (a run that just failed may owe some: the next run repairs them)
    const records = await readRecords(bed.trail);
    const recorded = (action: string) => records.filter((r) => r.action === action).length;
    expect(await bed.trail.verify()).toMatchObject({ intact: true });
    if (!justFailed) expectOneRecordPerMutation(recorded);
    // 6. the secret is nowhere but Secrets Manager
    const secret = stored?.SecretAccessKey;
    if (secret) {
      expect(readFileSync(bed.trailFile, 'utf8').includes(secret)).toBe(false);
      expect((await bed.notices()).some((body) => body.includes(secret))).toBe(false);
      expect(JSON.stringify(runs).includes(secret)).toBe(false);
    }
  }

  function expectOneRecordPerMutation(recorded: (action: string) => number) {
    expect(recorded('key.create')).toBe(log.count('CreateAccessKey'));
    expect(recorded('key.deactivate')).toBe(log.count('UpdateAccessKey'));
    expect(recorded('key.delete')).toBe(log.count('DeleteAccessKey'));
    expect(recorded('secret.store')).toBe(log.count('PutSecretValue'));
  }

  it('makes the calls the scenario table lists', async () => {
    for (const phase of Object.keys(PHASES) as PhaseName[]) {
      await moto.reset();
      await seedIam(moto, asOf, [
        { name: 'alice', tags: SCOPE_TAG, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] },
        { name: 'bystander', keys: [{ ageDays: 200, lastUsedDaysAgo: 1 }] },
      ]);
      bed.close();
      bed = await rotationBed(moto, {}, asOf);
      bed.setNow(asOf);
      log = new CallLog();
      const run = instrumentedRun();
      await PHASES[phase].setup(run, bed);
      log.reset();
      await run();
      expect({ phase, calls: log.calls }).toEqual({ phase, calls: [...PHASES[phase].calls] });
    }
  });

  for (const { phase, call, after } of SCENARIOS) {
    it(`holds every invariant on ${phase} when call ${after} (${call}) fails after taking effect`, async () => {
      const [originalKey] = (await bed.keys('alice')).map((k) => k.id);
      const run = instrumentedRun();
      await PHASES[phase].setup(run, bed);
      log.reset();

      log.failAfter = after;
      const faulted = await run().catch((err: Error) => err);
      await assertInvariants(originalKey as string, [faulted as RotationRun], { justFailed: true });
      const repaired = await run();
      await assertInvariants(originalKey as string, [repaired]);

      const mutationsBefore = ['CreateAccessKey', 'UpdateAccessKey', 'DeleteAccessKey', 'PutSecretValue'].map(
        (n) => log.count(n),
      );
      const rerun = await run();
      // 5. re-running after success does nothing
      expect(
        ['CreateAccessKey', 'UpdateAccessKey', 'DeleteAccessKey', 'PutSecretValue'].map((n) => log.count(n)),
      ).toEqual(mutationsBefore);
      expect(rerun.users.map((u) => u.status)).toEqual(['waiting']);
      await assertInvariants(originalKey as string, [rerun]);
    });
  }
});
