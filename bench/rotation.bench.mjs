// Rotation throughput: 500 due users rotated in one run against moto, with keywarden's engine and, as the
// baseline in the same run, the bare SDK calls of the same rotation (create key, store secret, notify:
// what a minimal script does, without state, trail, recovery or scope). Prints users/s and AWS calls/user.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importBundle } from './bundle.mjs';

const USERS = Number(process.env.KEYWARDEN_BENCH_USERS ?? 500);
const CONCURRENCY = 8;
const LEASE_BUCKET = 'bench-leases';
const work = mkdtempSync(join(tmpdir(), 'keywarden-bench-'));

// The engine is TypeScript: bundle the parts the bench needs once, then import the bundle.
const kw = await importBundle(work, 'rotation-bench-entry', [
  "export { rotateUsers, snsNotifier, S3LeaseStore } from './core/rotation/index.ts';",
  "export { parseConfig } from './core/policy/schema.ts';",
  "export { JsonlTrailStore } from './core/trail/index.ts';",
  "export { startMoto, motoAvailable } from './test/support/moto.ts';",
  "export { seedIam } from './test/support/iam-seed.ts';",
  "export { CallLog, instrumentClient } from './test/support/fault-injection.ts';",
  "export * as iam from '@aws-sdk/client-iam';",
  "export * as sm from '@aws-sdk/client-secrets-manager';",
  "export * as sns from '@aws-sdk/client-sns';",
  "export * as s3 from '@aws-sdk/client-s3';",
]);

if (!kw.motoAvailable()) {
  console.log('rotation bench: skipped (moto_server is not installed)');
  process.exit(0);
}

const asOf = new Date('2026-06-01T12:00:00Z');
const moto = await kw.startMoto();
const users = Array.from({ length: USERS }, (_, n) => ({
  name: `bench-user-${String(n).padStart(4, '0')}`,
  tags: { 'keywarden:rotation': 'enabled' },
  keys: [{ ageDays: 81 }],
}));
const common = {
  region: 'us-east-1',
  endpoint: moto.endpoint,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  maxAttempts: 3,
};

const timings = new Map();
function profile(client) {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const started = performance.now();
      try {
        return await next(args);
      } finally {
        const entry = timings.get(context.commandName) ?? { n: 0, ms: 0 };
        entry.n++;
        entry.ms += performance.now() - started;
        timings.set(context.commandName, entry);
      }
    },
    { step: 'initialize', name: 'benchProfile' },
  );
}

async function prepare() {
  await moto.reset();
  await kw.seedIam(moto, asOf, users);
  const log = new kw.CallLog();
  const clients = {
    iam: new kw.iam.IAMClient(common),
    secrets: new kw.sm.SecretsManagerClient(common),
    sns: new kw.sns.SNSClient(common),
    // The per-user leases through which overlapping runs take turns: part of what a rotation costs.
    s3: new kw.s3.S3Client({ ...common, forcePathStyle: true }),
  };
  await clients.s3.send(new kw.s3.CreateBucketCommand({ Bucket: LEASE_BUCKET }));
  for (const client of Object.values(clients)) {
    kw.instrumentClient(client, log);
    if (process.env.KEYWARDEN_BENCH_PROFILE) profile(client);
  }
  const topic = await clients.sns.send(new kw.sns.CreateTopicCommand({ Name: 'bench' }));
  log.reset();
  log.succeeded.clear();
  return { log, clients, topicArn: topic.TopicArn };
}

async function measure(name, work) {
  const { log, clients, topicArn } = await prepare();
  const started = performance.now();
  const rotated = await work(clients, topicArn);
  const seconds = (performance.now() - started) / 1000;
  for (const client of Object.values(clients)) client.destroy();
  if (process.env.KEYWARDEN_BENCH_PROFILE) {
    for (const [command, { n, ms }] of timings)
      console.log(`  ${name}: ${command} ${n} calls, ${(ms / n).toFixed(1)} ms each`);
    timings.clear();
  }
  if (rotated !== USERS) throw new Error(`${name}: rotated ${rotated} of ${USERS} users`);
  return { name, seconds, usersPerSecond: USERS / seconds, callsPerUser: log.calls.length / USERS };
}

try {
  const baseline = await measure('bare SDK calls', async (clients, topicArn) => {
    let next = 0;
    let rotated = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < users.length) {
          const { name } = users[next++];
          const created = await clients.iam.send(new kw.iam.CreateAccessKeyCommand({ UserName: name }));
          await clients.secrets.send(
            new kw.sm.CreateSecretCommand({
              Name: `bare/${name}`,
              SecretString: JSON.stringify({
                AccessKeyId: created.AccessKey.AccessKeyId,
                SecretAccessKey: created.AccessKey.SecretAccessKey,
              }),
            }),
          );
          await clients.sns.send(
            new kw.sns.PublishCommand({ TopicArn: topicArn, Message: `new key for ${name}` }),
          );
          rotated++;
        }
      }),
    );
    return rotated;
  });

  const engine = await measure('keywarden rotateUsers', async (clients, topicArn) => {
    const run = await kw.rotateUsers({
      clients: { iam: clients.iam, secrets: clients.secrets },
      config: kw.parseConfig({}, { asOf }),
      account: '123456789012',
      actor: 'bench',
      clock: () => asOf,
      trail: new kw.JsonlTrailStore(join(work, 'trail.jsonl')),
      notifier: kw.snsNotifier(topicArn, clients.sns),
      lease: new kw.S3LeaseStore({
        bucket: LEASE_BUCKET,
        prefix: 'leases/',
        seconds: 600,
        client: clients.s3,
      }),
      users: 'in-scope',
      concurrency: CONCURRENCY,
    });
    return run.counts.done;
  });

  const fmt = (r) =>
    `${r.name.padEnd(24)} ${r.usersPerSecond.toFixed(1).padStart(7)} users/s  ${r.callsPerUser.toFixed(1).padStart(5)} AWS calls/user  (${r.seconds.toFixed(2)} s)`;
  console.log(`rotation of ${USERS} due users against moto, ${CONCURRENCY} at once`);
  console.log(fmt(baseline));
  console.log(fmt(engine));
  console.log(
    `ratio: keywarden takes ${(baseline.usersPerSecond / engine.usersPerSecond).toFixed(2)}x the bare time, ${(engine.callsPerUser / baseline.callsPerUser).toFixed(2)}x the calls (scope listing, state read twice, the lease, write-ahead marker, owner-only policy, compare-and-swap, trail)`,
  );
} finally {
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
}
