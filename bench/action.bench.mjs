// The GitHub Action's costs: cold start of dist/index.js against `node -e 0` measured in the same run, the
// bundle's size (dist/index.js and the chunks it loads from dist/action/; target ≤ 3 MB), and one account of 2,000 IAM users with 150 violating users synced to a
// local GitHub (the OpenAPI-checked fake) within the write cap, against moto.
import './load-ts.mjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = join(import.meta.dirname, '..');
const BUNDLE = join(ROOT, 'dist', 'index.js');
const BUNDLE_TARGET_BYTES = 3e6;
const COLD_STARTS = 9;
const USERS = 2000;
const VIOLATING = 150;
const asOf = new Date('2026-06-01T12:00:00Z');

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${value.toFixed(0)} ms`;
let failures = 0;

// 1. Bundle size: the entry and every chunk beside it (a runner checks out all of them), in MB of 10^6 bytes.
const chunks = join(ROOT, 'dist', 'action');
const bytes = readdirSync(chunks).reduce(
  (total, name) => total + statSync(join(chunks, name)).size,
  statSync(BUNDLE).size,
);
const sizeOk = bytes <= BUNDLE_TARGET_BYTES;
if (!sizeOk) failures += 1;
console.log(
  `bundle: dist/index.js and dist/action/ ${(bytes / 1e6).toFixed(2)} MB (target ≤ 3 MB: ${sizeOk ? 'met' : 'MISSED'})`,
);

// 2. Cold start: a pull request without AWS credentials, the action's shortest real path
// (load the bundle, read inputs and the event, resolve the credential chain, print a notice).
const dir = mkdtempSync(join(tmpdir(), 'kw-bench-'));
writeFileSync(join(dir, 'event.json'), '{}');
writeFileSync(join(dir, 'output'), '');
const coldEnv = {
  PATH: process.env.PATH,
  GITHUB_EVENT_NAME: 'pull_request',
  GITHUB_EVENT_PATH: join(dir, 'event.json'),
  GITHUB_REPOSITORY: 'acme/infra',
  GITHUB_OUTPUT: join(dir, 'output'),
  RUNNER_TEMP: dir,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: join(dir, 'none'),
  AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
};
const time = (args) => {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { env: coldEnv, stdio: 'pipe' });
  if (result.status !== 0)
    throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stdout}`);
  return performance.now() - started;
};
const baseline = [];
const action = [];
for (let i = 0; i < COLD_STARTS; i++) {
  baseline.push(time(['-e', '0']));
  action.push(time([BUNDLE]));
}
console.log(
  `cold start: dist/index.js ${ms(median(action))} vs node -e 0 ${ms(median(baseline))} (×${(median(action) / median(baseline)).toFixed(2)}, median of ${COLD_STARTS})`,
);

// 3. 2,000 users, 150 violating, synced within the write cap.
const { motoAvailable, startMoto } = await import('../test/support/moto.ts');
if (!motoAvailable()) {
  console.log('sync: skipped (moto is not installed)');
} else {
  const { seedIam } = await import('../test/support/iam-seed.ts');
  const { FakeGitHub } = await import('../test/support/fake-github.ts');
  const { runAction } = await import('../test/support/runner.ts');
  const moto = await startMoto();
  const github = new FakeGitHub('acme', 'infra', 'ghs_bench');
  await github.start();
  try {
    const seedStarted = performance.now();
    await seedIam(
      moto,
      asOf,
      Array.from({ length: USERS }, (_, i) => ({
        name: `svc-${String(i).padStart(4, '0')}`,
        keys: [{ ageDays: i < VIOLATING ? 91 + (i % 200) : 5 + (i % 30) }],
      })),
    );
    console.log(
      `sync: seeded ${USERS} users (${VIOLATING} with an overdue key) in ${ms(performance.now() - seedStarted)}`,
    );
    const syncRun = async (label, inputs) => {
      github.resetLog();
      const started = performance.now();
      const result = await runAction({
        event: 'schedule',
        apiUrl: github.baseUrl,
        repository: 'acme/infra',
        token: 'ghs_bench',
        awsEnv: moto.env,
        inputs: { 'as-of': asOf.toISOString(), ...inputs },
      });
      const elapsed = performance.now() - started;
      const writes = github.writes().length;
      const reads = github.requests.length - writes;
      // Creating issues and comments is spaced 3 s (it notifies); edits and added labels 1 s.
      const notifies = (w) => w.method === 'POST' && !w.template.endsWith('/labels');
      const paced = github.writes().reduce((sum, w) => sum + (notifies(w) ? 3 : 1), 0);
      console.log(
        `sync: ${label}: ${ms(elapsed)}, ${writes} writes, ${reads} reads, opened ${result.outputs['issues-opened']}, deferred ${result.outputs['issues-deferred']} (on GitHub the write spacing adds ≈${paced} s)`,
      );
      if (result.exitCode !== 1 || github.violations.length > 0) {
        failures += 1;
        console.log(
          `sync: ${label} went wrong: exit ${result.exitCode}, ${github.violations.slice(0, 3).join('; ')}`,
        );
      }
      return writes;
    };
    const capped = await syncRun('first run, default cap (30 writes)', {});
    if (capped > 30) failures += 1;
    await syncRun('catch-up run, cap 1000', { 'max-issue-writes': '1000' });
    const steady = await syncRun('steady run, nothing changed', {});
    if (steady !== 0) failures += 1;
  } finally {
    await github.stop();
    await moto.stop();
  }
}
process.exitCode = failures > 0 ? 1 : 0;
