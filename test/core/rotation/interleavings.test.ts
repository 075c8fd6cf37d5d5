import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RotateUsersRequest, type RotationRun, S3LeaseStore } from '../../../core/rotation/index.js';
import { DAY_MS } from '../../../core/time.js';
import type { TrailStore } from '../../../core/trail/index.js';
import { type SeedUser, seedIam } from '../../support/iam-seed.js';
import { type Moto, motoAvailable, startMoto } from '../../support/moto.js';
import { LEASE_BUCKET, type RotationBed, rotationBed, SCOPE_TAG } from '../../support/rotation-bed.js';
import { expectRotationInvariants, MutationLog } from '../../support/rotation-invariants.js';

/**
 * Two runs on one user, every AWS call of each (IAM, Secrets Manager, the S3 lease) held until fast-check's
 * scheduler lets it go: fast-check chooses the interleaving, and shrinks a failing one to the shortest. The
 * runs are the Lambda's (every user in scope, on the policy's timeline) and `keywarden rotate`'s (one user,
 * manual), on each step of a rotation. Every rotation invariant must hold after both, and a third run must
 * change nothing.
 */
const asOf = new Date('2026-06-01T12:00:00Z');
const later = (days: number) => new Date(asOf.getTime() + days * DAY_MS);

const STEPS = {
  'first key': { keys: [], setup: [] },
  'existing key': { keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }], setup: [] },
  deactivate: { keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }], setup: [0, 7] },
  delete: { keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }], setup: [0, 7, 14] },
} as const satisfies Record<string, { keys: SeedUser['keys']; setup: readonly number[] }>;
type Step = keyof typeof STEPS;
type Runner = 'lambda' | 'cli';

type Handler = (args: unknown) => Promise<unknown>;
type Middleware = (next: Handler, context: { commandName?: string }) => Handler;

/** Any SDK v3 client: their middleware stacks differ only in generic types. */
function addMiddleware(client: object, middleware: Middleware): void {
  const stack: unknown = Reflect.get(client, 'middlewareStack');
  const add: unknown = stack && typeof stack === 'object' ? Reflect.get(stack, 'add') : undefined;
  if (typeof add !== 'function') throw new Error('not an SDK v3 client');
  add.call(stack, middleware, { step: 'initialize', name: 'keywardenScheduler' });
}

describe.skipIf(!motoAvailable())('two runs on one user, interleaved by fast-check (moto)', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
    moto.useInThisProcess();
  });
  afterAll(async () => moto?.stop());

  /** A run's clients: each call waits for the scheduler, and each key mutation AWS carried out is counted. */
  function scheduledClients(scheduler: fc.Scheduler, label: string, mutations: MutationLog) {
    const common = { region: 'us-east-1', endpoint: moto.endpoint, maxAttempts: 1 };
    const clients = {
      iam: new IAMClient(common),
      secrets: new SecretsManagerClient(common),
      s3: new S3Client({ ...common, forcePathStyle: true }),
    };
    for (const client of Object.values(clients)) {
      addMiddleware(client, (next, context) => async (args) => {
        const call = String(context.commandName).replace(/Command$/, '');
        await scheduler.schedule(Promise.resolve(`${label} ${call}`), `${label} ${call}`);
        const output = await next(args);
        if (/^(Create|Update|Delete)AccessKey$/.test(call)) mutations.done.push(call);
        return output;
      });
    }
    return clients;
  }

  async function prepare(step: Step): Promise<{ bed: RotationBed; original: string[] }> {
    await moto.reset();
    await seedIam(moto, asOf, [{ name: 'alice', tags: SCOPE_TAG, keys: STEPS[step].keys }]);
    const bed = await rotationBed(moto, {}, asOf);
    bed.setNow(asOf);
    for (const day of STEPS[step].setup) {
      bed.setNow(later(day));
      await bed.run({ users: ['alice'] });
    }
    // The keys before the two runs: a key either run creates must end stored (or covered by a marker).
    const original = (await bed.keys('alice')).map((key) => key.id);
    return { bed, original };
  }

  const runOf = (
    bed: RotationBed,
    runner: Runner,
    clients: ReturnType<typeof scheduledClients>,
  ): Promise<RotationRun> => {
    const request: Partial<RotateUsersRequest> = {
      clients: { iam: clients.iam, secrets: clients.secrets },
      lease: new S3LeaseStore({
        bucket: LEASE_BUCKET,
        prefix: 'leases/',
        seconds: 600,
        client: clients.s3,
        // Waiting for the other run's lease: poll often (the scheduler, not time, decides who goes on).
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 5))),
      }),
      leaseWaitMs: 20_000,
    };
    return bed.run(runner === 'cli' ? { ...request, users: ['alice'], force: true } : request);
  };

  it('holds every rotation invariant whatever the order of the two runs’ AWS calls', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.constantFrom<Step>('first key', 'existing key', 'deactivate', 'delete'),
        fc.constantFrom<Runner>('lambda', 'cli'),
        fc.constantFrom<Runner>('lambda', 'cli'),
        async (scheduler, step, first, second) => {
          const { bed, original } = await prepare(step);
          const mutations = new MutationLog();
          const a = scheduledClients(scheduler, 'A', mutations);
          const b = scheduledClients(scheduler, 'B', mutations);
          try {
            const recordsBefore = (await bed.trail.read()).length;
            const runs = await scheduler.waitFor(Promise.all([runOf(bed, first, a), runOf(bed, second, b)]));
            expect(runs.flatMap((run) => run.users.map((user) => user.status))).not.toContain('failed');
            // Against the records of these two runs only: the setup's own are not theirs.
            const trail: TrailStore = {
              description: bed.trail.description,
              append: (entry) => bed.trail.append(entry),
              verify: () => bed.trail.verify(),
              read: async () => (await bed.trail.read()).slice(recordsBefore),
            };
            await expectRotationInvariants({
              iam: bed.iam,
              secrets: bed.secrets,
              trail,
              user: 'alice',
              originalKeys: original,
              mutations,
            });
            // no double rotation: one replacement at most between the two runs
            expect(mutations.count('CreateAccessKey')).toBeLessThanOrEqual(1);
            // re-running after success does nothing
            const done = mutations.done.length;
            const again = await bed.run({ users: ['alice'] });
            expect(again.users[0]?.actions.filter((action) => action.outcome === 'done')).toEqual([]);
            expect(mutations.done.length).toBe(done);
          } finally {
            for (const client of [...Object.values(a), ...Object.values(b)]) client.destroy();
            bed.close();
          }
        },
      ),
      { numRuns: 24, endOnFailure: true },
    );
  }, 240_000);
});
