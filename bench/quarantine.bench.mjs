// What reading AWS's quarantine adds to a live credential-report audit: 1,000 IAM users with an active key each
// (ten of them quarantined with AWSCompromisedKeyQuarantineV2), against moto started with its AWS managed
// policies. Measured in one run, in turn: (a) the audit as it was before the quarantine read (credential report,
// evaluate, key IDs of the flagged users); (b) the same plus one ListAttachedUserPolicies per user with an active
// key, 8 at a time (the design first asked for); (c) keywarden's runAudit, which asks ListEntitiesForPolicy of
// the three quarantine policies instead (3 calls for the account). Prints the medians of ROUNDS runs, the ratios
// (b)/(a) and (c)/(a), and the calls per audit. No target: the figures are reported (docs/compromised-keys.md).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { importBundle } from './bundle.mjs';

const USERS = Number(process.env.KEYWARDEN_BENCH_USERS ?? 1000);
const QUARANTINED = Math.max(1, Math.round(USERS / 100));
const ROUNDS = Number(process.env.KEYWARDEN_BENCH_ROUNDS ?? 5);
const work = mkdtempSync(join(tmpdir(), 'keywarden-bench-'));

const kw = await importBundle(work, 'quarantine-bench-entry', [
  "export { runAudit } from './core/audit/run.ts';",
  "export { fetchCredentialReport, listQuarantinePolicies, resolveFlaggedKeyIds } from './core/inventory/live.ts';",
  "export { mapWithConcurrency } from './core/aws/clients.ts';",
  "export { evaluate } from './core/policy/evaluate.ts';",
  "export { parseConfig } from './core/policy/schema.ts';",
  "export { startMoto, motoAvailable } from './test/support/moto.ts';",
  "export * as iam from '@aws-sdk/client-iam';",
]);

if (!kw.motoAvailable()) {
  console.log('quarantine bench: skipped (moto_server is not installed)');
  process.exit(0);
}

const moto = await kw.startMoto({ env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' } });
const calls = new Map();
const client = new kw.iam.IAMClient({
  region: 'us-east-1',
  endpoint: moto.endpoint,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  maxAttempts: 3,
});
client.middlewareStack.add(
  (next, context) => async (args) => {
    calls.set(context.commandName, (calls.get(context.commandName) ?? 0) + 1);
    return next(args);
  },
  { step: 'initialize', name: 'benchCount' },
);

async function pool(items, limit, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

try {
  const names = Array.from({ length: USERS }, (_, n) => `bench-user-${String(n).padStart(4, '0')}`);
  const seedStarted = performance.now();
  await pool(names, 16, async (name) => {
    await client.send(new kw.iam.CreateUserCommand({ UserName: name }));
    await client.send(new kw.iam.CreateAccessKeyCommand({ UserName: name }));
  });
  await pool(names.slice(0, QUARANTINED), 8, (name) =>
    client.send(
      new kw.iam.AttachUserPolicyCommand({
        UserName: name,
        PolicyArn: 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2',
      }),
    ),
  );
  console.log(
    `seeded ${USERS} users, one active key each, ${QUARANTINED} quarantined, in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`,
  );
  // After the seeding: an audit leaves out keys created after its instant (they did not exist then).
  const asOf = new Date();
  const config = kw.parseConfig({}, { asOf });

  /** (a) The live credential-report audit without the quarantine read: what runAudit did before. */
  async function withoutLookup() {
    const inventory = await kw.fetchCredentialReport(client);
    const findings = kw.evaluate(inventory.keys, config, asOf);
    return (await kw.resolveFlaggedKeyIds(client, findings)).findings;
  }
  /** (b) The same, plus one ListAttachedUserPolicies per user with an active key, 8 at a time. */
  async function perUserLookup() {
    const inventory = await kw.fetchCredentialReport(client);
    const active = new Set(inventory.keys.filter((key) => key.status === 'Active').map((key) => key.user));
    const users = await kw.mapWithConcurrency(inventory.users, 8, async (user) =>
      active.has(user.user)
        ? { ...user, quarantinePolicies: await kw.listQuarantinePolicies(client, user.user) }
        : user,
    );
    const findings = kw.evaluate(inventory.keys, config, asOf, users);
    return (await kw.resolveFlaggedKeyIds(client, findings)).findings;
  }
  /** (c) keywarden's audit: ListEntitiesForPolicy of the three quarantine policies, every page. */
  async function withLookup() {
    return (await kw.runAudit({ config, asOf, source: 'credential-report', client })).findings;
  }

  const times = { without: [], perUser: [], with: [] };
  const perAudit = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, audit] of [
      ['without', withoutLookup],
      ['perUser', perUserLookup],
      ['with', withLookup],
    ]) {
      calls.clear();
      const started = performance.now();
      const findings = await audit();
      times[name].push(performance.now() - started);
      perAudit[name] = {
        calls: Object.fromEntries(calls),
        compromised: findings.filter((f) => f.verdict === 'compromised').length,
      };
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const a = median(times.without);
  const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `\n| ${USERS} users, live credential report (median of ${ROUNDS}) | time | ratio to (a) | calls per audit | compromised found |`,
  );
  console.log('|---|---:|---:|---|---:|');
  for (const [label, key] of [
    ['(a) without the quarantine read', 'without'],
    ['(b) + ListAttachedUserPolicies per user with an active key (8 at a time)', 'perUser'],
    ['(c) keywarden: + ListEntitiesForPolicy of the 3 quarantine policies', 'with'],
  ]) {
    const ms = median(times[key]);
    const list = Object.entries(perAudit[key].calls)
      .map(([command, n]) => `${command.replace(/Command$/, '')} ${n}`)
      .join(', ');
    console.log(
      `| ${label} | ${fmt(ms)} | ${(ms / a).toFixed(2)}× | ${list} | ${perAudit[key].compromised} |`,
    );
  }
  for (const key of Object.keys(times))
    console.log(`runs (ms) ${key}: ${times[key].map((t) => t.toFixed(0)).join(', ')}`);
  // A comparison of audits that disagree on what they found measures nothing.
  if (perAudit.with.compromised !== perAudit.perUser.compromised || perAudit.with.compromised === 0) {
    console.error(
      `quarantine bench: (b) found ${perAudit.perUser.compromised} compromised keys and (c) ${perAudit.with.compromised}, of ${QUARANTINED} quarantined users: not measured`,
    );
    process.exitCode = 1;
  }
} finally {
  client.destroy();
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
}
