// What an audit costs, against moto seeded with 2,000 IAM users and 3,000 access keys, measured in one run:
// (a) `keywarden audit` with the credential-report source, (b) with `--source api`, (c) the manual procedure
// of the rotation policy (POLICY.txt: `aws iam list-users`, then `aws iam list-access-keys --user-name U` per
// user, with the real aws CLI) over 100 users, scaled per user, and the floors: (d) and (e), bare scripts that
// make only the SDK calls (a) and (b) make, with the same concurrency. Every figure is a whole process, the
// median of ROUNDS runs taken in turn (a, d, b, e) so that the machine's noise falls on both sides of a ratio.
// Targets: (c)/(a) ≥ 500, (a)/(d) ≤ 1.5, (b)/(e) ≤ 1.25.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GetUserCommand,
  IAMClient,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { pool, startMoto } from './audit/moto.mjs';

const ROOT = join(import.meta.dirname, '..');
const USERS = 2000;
const MANUAL_USERS = 100;
const ROUNDS = Number(process.env.KEYWARDEN_BENCH_ROUNDS ?? 3);
const SEED_CONCURRENCY = 16;
const DAY_MS = 86_400_000;
const TARGETS = { manualOverReport: 500, reportOverFloor: 1.5, apiOverFloor: 1.25 };

/**
 * 2,000 users and 3,000 keys, shaped like an account under a working rotation policy: 1,000 users with one
 * key (mostly young and in use; a twentieth each expiring, overdue, never used, inactive), and 1,000 users
 * mid-rotation with two keys (a 70–84-day-old key, two thirds already deactivated, and a new one in use).
 */
function plan() {
  const users = [];
  for (let i = 0; i < USERS; i++) {
    const name = `user-${String(i).padStart(4, '0')}`;
    if (i < USERS / 2) {
      const profile = i % 20;
      const key =
        profile === 16
          ? { ageDays: 80, used: true }
          : profile === 17
            ? { ageDays: 120, used: true }
            : profile === 18
              ? { ageDays: 60, used: false }
              : profile === 19
                ? { ageDays: 30, used: true, inactive: true }
                : { ageDays: 2 + ((i * 7) % 70), used: true };
      users.push({ name, keys: [key] });
    } else {
      users.push({
        name,
        keys: [
          { ageDays: 70 + (i % 15), used: true, inactive: i % 3 !== 0 },
          { ageDays: i % 20, used: true },
        ],
      });
    }
  }
  return users;
}

async function seed(moto, asOf) {
  const client = new IAMClient({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 8,
  });
  const users = plan();
  await pool(users, SEED_CONCURRENCY, (user) => client.send(new CreateUserCommand({ UserName: user.name })));
  // moto's clock is global: create the keys age by age, oldest first, each age's keys at once.
  const keys = users.flatMap((user) => user.keys.map((key) => ({ user: user.name, ...key })));
  const ages = [...new Set(keys.map((key) => key.ageDays))].sort((a, b) => b - a);
  for (const age of ages) {
    moto.setNow(new Date(asOf.getTime() - age * DAY_MS - 3_600_000));
    await pool(
      keys.filter((key) => key.ageDays === age),
      SEED_CONCURRENCY,
      async (key) => {
        key.id = (
          await client.send(new CreateAccessKeyCommand({ UserName: key.user }))
        ).AccessKey.AccessKeyId;
      },
    );
  }
  // A key counts as used once a request is signed with it; moto records that without checking the secret.
  moto.setNow(new Date(asOf.getTime() - DAY_MS));
  await pool(
    keys.filter((key) => key.used),
    SEED_CONCURRENCY,
    async (key) => {
      const asKey = new IAMClient({
        region: 'us-east-1',
        endpoint: moto.endpoint,
        credentials: { accessKeyId: key.id, secretAccessKey: 'unchecked' },
        maxAttempts: 1,
      });
      await asKey.send(new GetUserCommand({})).catch(() => undefined);
      asKey.destroy();
    },
  );
  await pool(
    keys.filter((key) => key.inactive),
    SEED_CONCURRENCY,
    (key) =>
      client.send(
        new UpdateAccessKeyCommand({ UserName: key.user, AccessKeyId: key.id, Status: 'Inactive' }),
      ),
  );
  moto.setNow(new Date());
  client.destroy();
  return { users: users.length, keys: keys.length };
}

/** Runs a command to completion; resolves with its wall time in ms and its stdout. */
function timed(command, args, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0)
        reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`));
      else resolve({ ms, stdout });
    });
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const perUser = (ms, users) => `${(ms / users).toFixed(2)} ms`;

const moto = await startMoto();
const work = mkdtempSync(join(tmpdir(), 'keywarden-bench-'));
try {
  const env = { PATH: process.env.PATH, HOME: work, ...moto.env };
  const asOf = new Date();
  const seedStarted = performance.now();
  const seeded = await seed(moto, asOf);
  console.log(
    `seeded moto with ${seeded.users} users and ${seeded.keys} keys in ${fmt(performance.now() - seedStarted)}`,
  );

  const keywarden = (...flags) => [
    join(ROOT, 'bin/keywarden.js'),
    'audit',
    '--format',
    'json',
    '--fail-on',
    'never',
    ...flags,
  ];
  // Untimed warm-up: IAM (and moto) answer the first GenerateCredentialReport with STARTED; an account
  // audited within 4 hours already has a report, which is the case measured here.
  const warm = JSON.parse((await timed(process.execPath, keywarden(), env)).stdout);
  const flagged = [
    ...new Set(warm.findings.filter((f) => f.severity !== 'ok').map((finding) => finding.user)),
  ];
  const flaggedFile = join(work, 'flagged.json');
  writeFileSync(flaggedFile, JSON.stringify(flagged));

  const samples = { a: [], b: [], d: [], e: [] };
  let apiReport;
  for (let round = 0; round < ROUNDS; round++) {
    samples.a.push((await timed(process.execPath, keywarden(), env)).ms);
    samples.d.push(
      (
        await timed(
          process.execPath,
          [join(ROOT, 'bench/audit/floor-credential-report.mjs'), flaggedFile],
          env,
        )
      ).ms,
    );
    const api = await timed(process.execPath, keywarden('--source', 'api'), env);
    samples.b.push(api.ms);
    apiReport = JSON.parse(api.stdout);
    samples.e.push((await timed(process.execPath, [join(ROOT, 'bench/audit/floor-api.mjs')], env)).ms);
  }

  // (c) the manual procedure, as POLICY.txt writes it, by a careful person's script: one CLI call at a time.
  const manualStarted = performance.now();
  const listed = JSON.parse(
    (await timed('aws', ['iam', 'list-users', '--output', 'json'], env)).stdout,
  ).Users;
  for (const user of listed.slice(0, MANUAL_USERS)) {
    await timed('aws', ['iam', 'list-access-keys', '--user-name', user.UserName, '--output', 'json'], env);
  }
  const manualMs = performance.now() - manualStarted;

  const a = median(samples.a);
  const b = median(samples.b);
  const d = median(samples.d);
  const e = median(samples.e);
  const c = (manualMs / MANUAL_USERS) * USERS; // scaled to the same 2,000 users
  const ratios = {
    manualOverReport: c / a,
    manualOverApi: c / b,
    reportOverFloor: a / d,
    apiOverFloor: b / e,
  };
  const verdict = (value, target, atLeast) =>
    (atLeast ? value >= target : value <= target) ? 'target met' : 'TARGET MISSED';

  console.log(
    `account: ${USERS} users, ${apiReport.summary.keys} keys; ${flagged.length} users with flagged keys` +
      ` (${apiReport.summary.violations} violations, ${apiReport.summary.warnings} warnings)`,
  );
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; load average ${loadavg()[0].toFixed(1)}; median of ${ROUNDS} rounds`,
  );
  console.log('');
  console.log('| run | what | API calls | time (2,000 users) | per user |');
  console.log('|---|---|---:|---:|---:|');
  console.log(
    `| (a) | keywarden audit (credential report) | ${2 + flagged.length} | ${fmt(a)} | ${perUser(a, USERS)} |`,
  );
  console.log(
    `| (b) | keywarden audit --source api | ${1 + 2 * USERS + apiReport.summary.keys} | ${fmt(b)} | ${perUser(b, USERS)} |`,
  );
  console.log(
    `| (c) | manual procedure, aws CLI (${MANUAL_USERS} users, scaled) | ${1 + USERS} | ${fmt(c)} | ${perUser(c, USERS)} |`,
  );
  console.log(
    `| (d) | floor for (a): the same SDK calls, bare | ${2 + flagged.length} | ${fmt(d)} | ${perUser(d, USERS)} |`,
  );
  console.log(
    `| (e) | floor for (b): the same SDK calls, bare | ${1 + 2 * USERS + apiReport.summary.keys} | ${fmt(e)} | ${perUser(e, USERS)} |`,
  );
  console.log('');
  console.log(
    `(c)/(a) = ${ratios.manualOverReport.toFixed(0)}  (target ≥ ${TARGETS.manualOverReport}: ${verdict(ratios.manualOverReport, TARGETS.manualOverReport, true)})`,
  );
  console.log(`(c)/(b) = ${ratios.manualOverApi.toFixed(1)}`);
  console.log(
    `(a)/(d) = ${ratios.reportOverFloor.toFixed(2)}  (target ≤ ${TARGETS.reportOverFloor}: ${verdict(ratios.reportOverFloor, TARGETS.reportOverFloor, false)})`,
  );
  console.log(
    `(b)/(e) = ${ratios.apiOverFloor.toFixed(2)}  (target ≤ ${TARGETS.apiOverFloor}: ${verdict(ratios.apiOverFloor, TARGETS.apiOverFloor, false)})`,
  );
  console.log(
    `samples (ms): a ${samples.a.map(Math.round)}, d ${samples.d.map(Math.round)}, b ${samples.b.map(Math.round)}, e ${samples.e.map(Math.round)}`,
  );
  if (process.env.KEYWARDEN_BENCH_JSON)
    writeFileSync(process.env.KEYWARDEN_BENCH_JSON, JSON.stringify({ a, b, c, d, e, ratios }));
} finally {
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
}
