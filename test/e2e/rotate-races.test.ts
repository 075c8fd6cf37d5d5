import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../core/policy/schema.js';
import { memoryNotifier, rotateUsers, S3LeaseStore, snsNotifier } from '../../core/rotation/index.js';
import { DAY_MS } from '../../core/time.js';
import { JsonlTrailStore, S3TrailStore, type TrailStore } from '../../core/trail/index.js';
import { functionEnvironment } from '../../stacks/rotation/function.js';
import { createHandler } from '../../stacks/rotation/handler.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { seedIam } from '../support/iam-seed.js';
import { type Moto, motoAvailable, startMoto } from '../support/moto.js';
import { expectRotationInvariants } from '../support/rotation-invariants.js';

/**
 * Real processes racing on one user (issue #25): `keywarden rotate --user alice --yes` three times at once,
 * twice beside the rotation Lambda's handler, or once beside two handlers, each started after a random delay, every AWS call of the
 * processes through a proxy that adds jitter and makes one mutating call slow; the first key, a rotation, a
 * deactivation and a deletion, in turn, REPEATS times. Then every invariant: no key stranded, never three keys,
 * one trail record per mutation (over the processes' JSONL trail and the Lambda's S3 trail together), no double
 * rotation, and a further run changes nothing. And a lease holder killed with SIGKILL: the next run takes
 * the lease over once it lapses and repairs what the dead run left, one record per mutation.
 *
 * The clock is the real one (processes cannot share a fake): the setup moves moto's clock back to make keys
 * old, relative to now, so nothing depends on today's date.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'keywarden.js');
const ACCOUNT = '123456789012';
const TRAIL_BUCKET = 'keywarden-trail-races';
const LEASE_BUCKET = 'keywarden-leases-races';
const KMS_KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0`;
const ENROLLED = { 'keywarden:rotation': 'enabled' };
const REPEATS = 20;
const SCENARIOS = ['first key', 'existing key', 'deactivate', 'delete'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

describe.skipIf(!motoAvailable())('racing rotate processes and the Lambda on one user (moto)', () => {
  let moto: Moto;
  let proxy: FaultProxy;
  let dir: string;
  const outcomes: string[] = [];
  const common = () => ({ region: 'us-east-1', endpoint: moto.endpoint, maxAttempts: 2 });
  let iam: IAMClient;
  let secrets: SecretsManagerClient;
  let s3: S3Client;

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startFaultProxy(moto.endpoint);
    moto.useInThisProcess();
    iam = new IAMClient(common());
    secrets = new SecretsManagerClient(common());
    s3 = new S3Client({ ...common(), forcePathStyle: true });
    dir = mkdtempSync(join(tmpdir(), 'keywarden-races-'));
  });
  afterAll(async () => {
    for (const client of [iam, secrets, s3]) client?.destroy();
    await proxy?.close();
    await moto?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const processEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: dir,
    ...moto.env,
    AWS_ENDPOINT_URL: proxy.endpoint,
    ...extra,
  });

  function spawnRotate(
    trailFile: string,
    leaseSeconds?: number,
  ): { child: ChildProcess; exit: Promise<Exit> } {
    const args = [
      BIN,
      'rotate',
      '--user',
      'alice',
      '--yes',
      '--trail-file',
      trailFile,
      '--lease-bucket',
      LEASE_BUCKET,
    ];
    const config = leaseSeconds ? ['--config', join(dir, `lease-${leaseSeconds}.json`)] : [];
    const child = spawn(process.execPath, [...args, ...config], { env: processEnv(), cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const exit = new Promise<Exit>((resolveExit) =>
      child.on('exit', (code, signal) => resolveExit({ code, signal, stdout, stderr })),
    );
    return { child, exit };
  }

  const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

  /** Seeds alice for the scenario: keys made in the past (moto's clock moved), setup runs at those times. */
  async function prepare(scenario: Scenario, jsonl: TrailStore): Promise<string[]> {
    await moto.reset();
    await s3.send(new CreateBucketCommand({ Bucket: LEASE_BUCKET }));
    await s3.send(new CreateBucketCommand({ Bucket: TRAIL_BUCKET, ObjectLockEnabledForBucket: true }));
    const now = new Date();
    const setupDays = scenario === 'deactivate' ? [7] : scenario === 'delete' ? [14, 7] : [];
    const keyAge = 81 + (setupDays[0] ?? 0);
    await seedIam(moto, now, [
      {
        name: 'alice',
        tags: ENROLLED,
        keys: scenario === 'first key' ? [] : [{ ageDays: keyAge, lastUsedDaysAgo: keyAge - 1 }],
      },
    ]);
    const lease = new S3LeaseStore({ bucket: LEASE_BUCKET, prefix: 'leases/', seconds: 600, client: s3 });
    const notifier = snsNotifier(
      (await new SNSClient(common()).send(new CreateTopicCommand({ Name: 'notices' }))).TopicArn ?? '',
      new SNSClient(common()),
    );
    for (const daysAgo of setupDays) {
      const at = new Date(now.getTime() - daysAgo * DAY_MS);
      moto.setNow(at);
      await rotateUsers({
        clients: { iam, secrets },
        config: parseConfig({}, { asOf: at }),
        account: ACCOUNT,
        actor: 'arn:aws:iam::123456789012:user/setup',
        clock: () => at,
        trail: jsonl,
        notifier,
        lease,
        users: ['alice'],
      });
    }
    moto.setNow(new Date());
    const listed = await iam.send(new ListAccessKeysCommand({ UserName: 'alice' }));
    return (listed.AccessKeyMetadata ?? []).map((key) => key.AccessKeyId ?? '');
  }

  /** The rotation Lambda's handler in this process, its AWS calls through the proxy too. */
  async function lambdaRun(): Promise<void> {
    const topic = await new SNSClient(common()).send(new CreateTopicCommand({ Name: 'notices' }));
    const policy = parseConfig(
      { trail: { bucket: TRAIL_BUCKET }, rotation: { lease: { bucket: LEASE_BUCKET } } },
      { asOf: new Date() },
    );
    const env = { ...processEnv(), ...functionEnvironment(policy, topic.TopicArn ?? '', KMS_KEY_ARN) };
    const handler = createHandler({
      env,
      logger: new Logger({ serviceName: 'keywarden-rotation', logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'keywarden', serviceName: 'races' }),
    });
    await handler(
      {},
      { functionName: 'keywarden-rotation', awsRequestId: 'race', getRemainingTimeInMillis: () => 120_000 },
    );
  }

  /** The processes' JSONL trail and the Lambda's S3 trail, read as one (for the per-mutation count). */
  const bothTrails = (jsonl: JsonlTrailStore): TrailStore => {
    const bucket = new S3TrailStore({
      bucket: TRAIL_BUCKET,
      prefix: 'trail/',
      retentionDays: 2557,
      client: s3,
    });
    return {
      description: 'both',
      append: (entry) => jsonl.append(entry),
      read: async (period) => [...(await jsonl.read(period)), ...(await bucket.read(period))],
      verify: async () => {
        const [one, two] = [await jsonl.verify(), await bucket.verify()];
        return one.intact ? two : one;
      },
    };
  };

  it(`never strands a key, repeats a mutation or duplicates a record, in ${REPEATS} races`, async () => {
    const started = Date.now();
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      const scenario = SCENARIOS[repeat % SCENARIOS.length] as Scenario;
      // Each scenario in each mode: three processes; two beside the Lambda; one beside two Lambdas.
      const lambdas = Math.floor(repeat / SCENARIOS.length) % 3;
      const trailFile = join(dir, `trail-${repeat}.jsonl`);
      const jsonl = new JsonlTrailStore(trailFile);
      const before = await prepare(scenario, jsonl);
      const recordsBefore = (await jsonl.read()).length;
      // Jitter on every call, and one mutating call slow.
      let slowLeft = 1;
      proxy.clearInterference();
      proxy.interfere({ kind: 'delay', action: /^(PUT|GET) \//, ms: () => Math.random() * 15 });
      for (const action of ['PutSecretValue', 'UpdateAccessKey', 'DeleteAccessKey', 'ListAccessKeys']) {
        proxy.interfere({
          kind: 'delay',
          action,
          ms: () =>
            /^(PutSecretValue|UpdateAccessKey|DeleteAccessKey)$/.test(action) && slowLeft-- > 0
              ? 400
              : Math.random() * 20,
        });
      }
      proxy.calls.length = 0;
      const runners = Array.from({ length: 3 - lambdas }, async () => {
        await sleep(Math.random() * 300);
        return spawnRotate(trailFile).exit;
      });
      // The handlers in this process reach AWS through the proxy too; their metrics (EMF lines on standard
      // output) are not this test's subject.
      const saved = process.env.AWS_ENDPOINT_URL;
      process.env.AWS_ENDPOINT_URL = proxy.endpoint;
      const quiet = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      const handlers = Array.from({ length: lambdas }, () => sleep(Math.random() * 300).then(lambdaRun));
      const [exits] = await Promise.all([Promise.all(runners), Promise.all(handlers)]).finally(() => {
        process.env.AWS_ENDPOINT_URL = saved;
        quiet.mockRestore();
      });
      proxy.clearInterference();
      outcomes.push(
        `${repeat + 1} ${scenario}, ${exits.length} rotate + ${lambdas} Lambda: exits ${exits.map((exit) => exit.code).join(',')}`,
      );
      for (const exit of exits) expect(`${exit.code} ${exit.stderr} ${exit.stdout}`).toMatch(/^0 /);
      const mutations = proxy.calls.filter((call) =>
        /^(CreateAccessKey|UpdateAccessKey|DeleteAccessKey) /.test(call),
      );
      const trail = bothTrails(jsonl);
      const sinceRace: TrailStore = { ...trail, read: async () => (await trail.read()).slice(recordsBefore) };
      await expectRotationInvariants({ iam, secrets, trail: sinceRace, user: 'alice', originalKeys: before });
      // one record per mutation the racers made, and at most one rotation
      const recorded = (await sinceRace.read()).filter(
        (record) => 'action' in record && /^key\.(create|deactivate|delete)$/.test(record.action),
      );
      expect(recorded).toHaveLength(mutations.length);
      expect(mutations.filter((call) => call.startsWith('CreateAccessKey')).length).toBeLessThanOrEqual(1);
      // a further run (the policy's timeline, as the Lambda runs it) changes nothing
      const again = await rotateUsers({
        clients: { iam, secrets },
        config: parseConfig({}, { asOf: new Date() }),
        account: ACCOUNT,
        actor: 'arn:aws:iam::123456789012:user/check',
        clock: () => new Date(),
        trail: jsonl,
        notifier: memoryNotifier(),
        lease: new S3LeaseStore({ bucket: LEASE_BUCKET, prefix: 'leases/', seconds: 600, client: s3 }),
        users: ['alice'],
      });
      expect(again.users[0]?.actions.filter((action) => action.outcome === 'done')).toEqual([]);
    }
    outcomes.push(`${REPEATS} races in ${Math.round((Date.now() - started) / 1000)} s`);
    console.info(outcomes.join('\n'));
  }, 240_000);

  it('takes over the lease of a holder killed with SIGKILL once it lapses, and repairs with one record per mutation', async () => {
    const trailFile = join(dir, 'trail-killed.jsonl');
    const jsonl = new JsonlTrailStore(trailFile);
    const before = await prepare('existing key', jsonl);
    writeFileSync(
      join(dir, 'lease-5.json'),
      JSON.stringify({ rotation: { lease: { bucket: LEASE_BUCKET, seconds: 5 } } }),
    );
    // The holder stops for good between its CreateAccessKey and storing the key.
    proxy.clearInterference();
    const held = proxy.interfere({ kind: 'hold-request', action: 'PutSecretValue' });
    const holder = spawnRotate(trailFile, 5);
    await held.reached;
    holder.child.kill('SIGKILL');
    const killed = await holder.exit;
    // Its held request never reaches moto (a dead process's call that never left).
    proxy.clearInterference();
    expect(killed.signal).toBe('SIGKILL');
    await expectRotationInvariants({
      iam,
      secrets,
      trail: jsonl,
      user: 'alice',
      originalKeys: before,
      repairable: true,
    });

    // The next run finds the lease held, waits until it lapses, takes it over and repairs.
    const waitedFrom = Date.now();
    const next = await spawnRotate(trailFile, 5).exit;
    expect(next.code).toBe(0);
    expect(Date.now() - waitedFrom).toBeGreaterThan(1_000);
    const records = (await jsonl.read()).flatMap((record) => ('action' in record ? [record] : []));
    const recovered = records.filter((record) => record.outcome === 'recovered');
    expect(recovered.map((record) => record.action)).toEqual(['key.create']);
    const mutating = records.filter((record) => /^key\.(create|delete)$/.test(record.action));
    // the dead run's key: recorded (recovered) and deleted; the new run's key: created and stored
    expect(mutating.map((record) => `${record.action} ${record.outcome}`)).toEqual([
      'key.create recovered',
      'key.delete success',
      'key.create success',
    ]);
    await expectRotationInvariants({ iam, secrets, trail: jsonl, user: 'alice', originalKeys: before });
  }, 60_000);
});
