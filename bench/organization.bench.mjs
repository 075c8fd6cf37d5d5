// What auditing an AWS Organization costs, against moto holding ACCOUNTS member accounts of USERS_PER_ACCOUNT
// IAM users each (KEYWARDEN_BENCH_ACCOUNTS, default 200; 10 users, one overdue), measured in one run:
// (a) `keywarden audit --accounts organization --role-name R` (one process, the default concurrency),
// (b) its floor: a bare script making only the same AssumeRole and credential-report calls (and ListAccessKeys
//     for the flagged user) with the same concurrency,
// (c) the per-job model: one `keywarden audit` process per account, one after another, each with that
//     account's assumed-role credentials (assumed beforehand, untimed: the matrix job's OIDC step is not
//     counted). A sample of SAMPLE processes is timed and scaled to ACCOUNTS.
// Also (a) at other concurrencies, once each, which is how the default was chosen.
// Targets: (a)/(b) ≤ 1.3, (c)/(a) ≥ 10.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { pool, startMoto } from './audit/moto.mjs';

const ROOT = join(import.meta.dirname, '..');
const ACCOUNTS = Number(process.env.KEYWARDEN_BENCH_ACCOUNTS ?? 200);
const USERS_PER_ACCOUNT = 10;
const SAMPLE = Math.min(ACCOUNTS, Number(process.env.KEYWARDEN_BENCH_SAMPLE ?? 20));
const ROUNDS = Number(process.env.KEYWARDEN_BENCH_ROUNDS ?? 3);
const CONCURRENCY = 8; // DEFAULT_ACCOUNT_CONCURRENCY of core/accounts/audit.ts
const OTHER_CONCURRENCIES = (process.env.KEYWARDEN_BENCH_CONCURRENCIES ?? '1,4,16,32').split(',').map(Number);
const ROLE = 'keywarden-audit-member';
const DAY_MS = 86_400_000;
const TARGETS = { orgOverFloor: 1.3, perJobOverOrg: 10 };

async function seed(moto, asOf) {
  const base = {
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 8,
  };
  const org = new OrganizationsClient(base);
  const sts = new STSClient(base);
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const accounts = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const made = await org.send(
      new CreateAccountCommand({ AccountName: `acct-${i}`, Email: `acct-${i}@example.com` }),
    );
    accounts.push(made.CreateAccountStatus.AccountId);
  }
  const credentials = new Map();
  await pool(accounts, 16, async (account) => {
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${ROLE}`, RoleSessionName: 'seed' }),
    );
    credentials.set(account, {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
    });
  });
  // The management account takes part too (ListAccounts lists it): give it the same users.
  credentials.set('123456789012', base.credentials);
  const all = [...credentials.keys()];
  const clients = new Map(
    all.map((account) => [account, new IAMClient({ ...base, credentials: credentials.get(account) })]),
  );
  const users = all.flatMap((account) =>
    Array.from({ length: USERS_PER_ACCOUNT }, (_, i) => ({ account, name: `user-${i}` })),
  );
  await pool(users, 16, (u) => clients.get(u.account).send(new CreateUserCommand({ UserName: u.name })));
  // moto's clock is global: the overdue keys (user-0 of each account) first, then the young ones.
  moto.setNow(new Date(asOf.getTime() - 120 * DAY_MS));
  await pool(
    users.filter((u) => u.name === 'user-0'),
    16,
    (u) => clients.get(u.account).send(new CreateAccessKeyCommand({ UserName: u.name })),
  );
  moto.setNow(new Date(asOf.getTime() - 10 * DAY_MS));
  await pool(
    users.filter((u) => u.name !== 'user-0'),
    16,
    (u) => clients.get(u.account).send(new CreateAccessKeyCommand({ UserName: u.name })),
  );
  moto.setNow(asOf);
  for (const client of clients.values()) client.destroy();
  org.destroy();
  sts.destroy();
  return { accounts: all, credentials, users: users.length };
}

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

const moto = await startMoto();
const work = mkdtempSync(join(tmpdir(), 'keywarden-bench-org-'));
try {
  const env = { PATH: process.env.PATH, HOME: work, ...moto.env };
  const asOf = new Date();
  const seedStarted = performance.now();
  const seeded = await seed(moto, asOf);
  console.log(
    `seeded moto with an organization of ${seeded.accounts.length} accounts (${ACCOUNTS} members and the management account) and ${seeded.users} users in ${fmt(performance.now() - seedStarted)}`,
  );
  const orgAudit = (concurrency = CONCURRENCY) => [
    join(ROOT, 'bin/keywarden.js'),
    'audit',
    '--accounts',
    'organization',
    '--role-name',
    ROLE,
    '--concurrency',
    String(concurrency),
    '--format',
    'json',
    '--fail-on',
    'never',
  ];
  // Untimed warm-up: the first GenerateCredentialReport of an account answers STARTED; an organization
  // audited within 4 hours already has its reports, which is the case measured here.
  const warm = JSON.parse((await timed(process.execPath, orgAudit(), env)).stdout);
  if (!warm.complete) throw new Error(`the warm-up audit was incomplete: ${JSON.stringify(warm.gaps[0])}`);
  const floorFile = join(work, 'floor.json');
  writeFileSync(
    floorFile,
    JSON.stringify({
      accounts: seeded.accounts,
      roleName: ROLE,
      flaggedUsers: ['user-0'],
      concurrency: CONCURRENCY,
    }),
  );

  const samples = { a: [], b: [] };
  for (let round = 0; round < ROUNDS; round++) {
    samples.a.push((await timed(process.execPath, orgAudit(), env)).ms);
    samples.b.push(
      (await timed(process.execPath, [join(ROOT, 'bench/organization/floor.mjs'), floorFile], env)).ms,
    );
  }
  const byConcurrency = {};
  for (const concurrency of OTHER_CONCURRENCIES) {
    byConcurrency[concurrency] = (await timed(process.execPath, orgAudit(concurrency), env)).ms;
  }
  byConcurrency[CONCURRENCY] = median(samples.a);

  // (c) one process per account, one after another, as a matrix of jobs at max-parallel 1 would run them.
  const single = [join(ROOT, 'bin/keywarden.js'), 'audit', '--format', 'json', '--fail-on', 'never'];
  const perJobStarted = performance.now();
  for (const account of seeded.accounts.slice(0, SAMPLE)) {
    const c = seeded.credentials.get(account);
    await timed(process.execPath, single, {
      ...env,
      AWS_ACCESS_KEY_ID: c.accessKeyId,
      AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
      ...(c.sessionToken ? { AWS_SESSION_TOKEN: c.sessionToken } : {}),
    });
  }
  const perJobSample = performance.now() - perJobStarted;
  const c = (perJobSample / SAMPLE) * seeded.accounts.length;

  const a = median(samples.a);
  const b = median(samples.b);
  const ratios = { orgOverFloor: a / b, perJobOverOrg: c / a };
  const verdict = (value, target, atLeast) =>
    (atLeast ? value >= target : value <= target) ? 'target met' : 'TARGET MISSED';
  const n = seeded.accounts.length;
  console.log(
    `organization: ${n} accounts × ${USERS_PER_ACCOUNT} users, ${warm.summary.violations} violations; machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; load average ${loadavg()[0].toFixed(1)}; median of ${ROUNDS} rounds`,
  );
  console.log('');
  console.log(`| run | what | AWS API calls | time (${n} accounts) | per account |`);
  console.log('|---|---|---:|---:|---:|');
  console.log(
    `| (a) | keywarden audit --accounts organization (concurrency ${CONCURRENCY}) | ${1 + Math.ceil(n / 20) + 7 * n} | ${fmt(a)} | ${fmt(a / n)} |`,
  );
  console.log(
    `| (b) | floor: AssumeRole + credential report + quarantine read + ListAccessKeys, bare | ${7 * n} | ${fmt(b)} | ${fmt(b / n)} |`,
  );
  console.log(
    `| (c) | one keywarden audit process per account, in turn (${SAMPLE} timed, scaled) | ${6 * n} + ${n} AssumeRole | ${fmt(c)} | ${fmt(c / n)} |`,
  );
  console.log('');
  console.log(
    `(a)/(b) = ${ratios.orgOverFloor.toFixed(2)}  (target ≤ ${TARGETS.orgOverFloor}: ${verdict(ratios.orgOverFloor, TARGETS.orgOverFloor, false)})`,
  );
  console.log(
    `(c)/(a) = ${ratios.perJobOverOrg.toFixed(1)}  (target ≥ ${TARGETS.perJobOverOrg}: ${verdict(ratios.perJobOverOrg, TARGETS.perJobOverOrg, true)})`,
  );
  console.log(
    `(a) by --concurrency: ${Object.entries(byConcurrency)
      .sort(([x], [y]) => Number(x) - Number(y))
      .map(([k, ms]) => `${k}: ${fmt(ms)}`)
      .join(', ')}`,
  );
  console.log(
    `samples (ms): a ${samples.a.map(Math.round)}, b ${samples.b.map(Math.round)}; (c) sample ${fmt(perJobSample)}`,
  );
  if (process.env.KEYWARDEN_BENCH_JSON)
    writeFileSync(process.env.KEYWARDEN_BENCH_JSON, JSON.stringify({ a, b, c, byConcurrency, ratios }));
} finally {
  await moto.stop();
  rmSync(work, { recursive: true, force: true });
}
