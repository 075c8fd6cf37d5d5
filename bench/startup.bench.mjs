// How fast keywarden starts, as whole processes against `node -e 0` measured in the same run (interleaved, so
// that load on the machine hits every command alike): `keywarden --version` (target ≤ 2.0×), the quick start's
// offline sample audit (≤ 2.5×, peak memory ≤ 60 MB) and the same without a config file, and the Action's
// dist/index.js until its first AWS call (≤ 2.5×; a loopback server stands in for AWS and records when the first
// request arrives); `npx keywarden --version` in this clone, apart (npm's own start is not keywarden's). Also the
// installed size of the CLI's npm package (target ≤ 10 MB): packed, installed into an empty directory, summed.
// `KEYWARDEN_BENCH_RUNS=5 node bench/startup.bench.mjs` for a quick look (default 15 runs each).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = join(import.meta.dirname, '..');
const RUNS = Number(process.env.KEYWARDEN_BENCH_RUNS ?? 15);
const NODE = process.execPath;
const SAMPLE_AUDIT = [
  'audit',
  '--credential-report',
  'examples/credential-report.csv',
  '--config',
  'examples/keywarden.yml',
  '--as-of',
  '2026-11-28',
];
// The same audit without a config file (as `npx keywarden audit --credential-report FILE` after an install):
// the defaults need neither the schema nor the YAML parser.
const DEFAULTS_AUDIT = SAMPLE_AUDIT.filter((arg, i, all) => arg !== '--config' && all[i - 1] !== '--config');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const verdict = (ok) => (ok ? 'met' : 'MISSED');
const dir = mkdtempSync(join(tmpdir(), 'kw-startup-'));
const cleanEnv = { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1' };

/** Wall time of one process, with its peak resident memory from /usr/bin/time when it is there. */
function timed(args, env = cleanEnv) {
  const hasTime = statSafe('/usr/bin/time');
  const command = hasTime ? '/usr/bin/time' : NODE;
  const argv = hasTime ? ['-f', 'maxrss=%M cpu=%U %S', NODE, ...args] : args;
  const started = performance.now();
  const result = spawnSync(command, argv, { cwd: ROOT, env, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (result.status !== 0 && result.status !== 1) {
    throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  const rss = /maxrss=(\d+)/.exec(result.stderr ?? '');
  const cpu = /cpu=([\d.]+) ([\d.]+)/.exec(result.stderr ?? '');
  return {
    ms,
    rssMb: rss ? Number(rss[1]) / 1024 : undefined,
    cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : undefined,
  };
}

function statSafe(path) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

// 1. The CLI: --version and the offline sample audit, interleaved with the baseline. The first runs fill Node's
// compile cache (what a person's second run finds); the figures are of warm starts, as a person sees them.
const cacheDir = join(dir, 'compile-cache');
const cliEnv = { ...cleanEnv, NODE_COMPILE_CACHE: cacheDir };
const uncachedEnv = { ...cleanEnv, NODE_DISABLE_COMPILE_CACHE: '1' };
timed(['bin/keywarden.js', '--version'], cliEnv);
timed(['bin/keywarden.js', ...SAMPLE_AUDIT], cliEnv);
timed(['bin/keywarden.js', ...DEFAULTS_AUDIT], cliEnv);
const samples = {
  baseline: [],
  version: [],
  audit: [],
  auditDefaults: [],
  auditUncached: [],
  auditRss: [],
  cpu: { baseline: [], version: [], audit: [] },
};
for (let i = 0; i < RUNS; i++) {
  const baseline = timed(['-e', '0']);
  const version = timed(['bin/keywarden.js', '--version'], cliEnv);
  const audit = timed(['bin/keywarden.js', ...SAMPLE_AUDIT], cliEnv);
  samples.baseline.push(baseline.ms);
  samples.version.push(version.ms);
  samples.audit.push(audit.ms);
  if (audit.cpuMs !== undefined) {
    samples.cpu.baseline.push(baseline.cpuMs);
    samples.cpu.version.push(version.cpuMs);
    samples.cpu.audit.push(audit.cpuMs);
  }
  if (audit.rssMb !== undefined) samples.auditRss.push(audit.rssMb);
  samples.auditUncached.push(timed(['bin/keywarden.js', ...SAMPLE_AUDIT], uncachedEnv).ms);
  samples.auditDefaults.push(timed(['bin/keywarden.js', ...DEFAULTS_AUDIT], cliEnv).ms);
}
const base = median(samples.baseline);
const ratio = (values) => median(values) / base;
console.log(`baseline: node -e 0 ${base.toFixed(0)} ms (median of ${RUNS})`);
console.log(
  `keywarden --version: ${median(samples.version).toFixed(0)} ms, ×${ratio(samples.version).toFixed(2)} (target ≤ 2.0×: ${verdict(ratio(samples.version) <= 2)})`,
);
console.log(
  `offline sample audit: ${median(samples.audit).toFixed(0)} ms, ×${ratio(samples.audit).toFixed(2)} (target ≤ 2.5×: ${verdict(ratio(samples.audit) <= 2.5)}); without the compile cache ${median(samples.auditUncached).toFixed(0)} ms, ×${ratio(samples.auditUncached).toFixed(2)}`,
);
console.log(
  `the same audit without a config file: ${median(samples.auditDefaults).toFixed(0)} ms, ×${ratio(samples.auditDefaults).toFixed(2)}`,
);
// CPU time (user + system) says the same with less noise from other processes on a busy machine.
if (samples.cpu.audit.length > 0) {
  const cpuBase = median(samples.cpu.baseline);
  console.log(
    `CPU time: node -e 0 ${cpuBase.toFixed(0)} ms, --version ×${(median(samples.cpu.version) / cpuBase).toFixed(2)}, offline sample audit ×${(median(samples.cpu.audit) / cpuBase).toFixed(2)}`,
  );
}
if (samples.auditRss.length > 0) {
  const rss = median(samples.auditRss);
  console.log(
    `offline sample audit peak memory: ${rss.toFixed(0)} MB (target ≤ 60 MB: ${verdict(rss <= 60)})`,
  );
}

// The same --version through npx in a clone, as the quick start types it: npm's own start (reading its config, the
// package.json and the lock file before it runs bin/keywarden.js) comes on top of keywarden's, so it is shown apart,
// never as keywarden's start-up. Fewer runs: each costs seconds.
const npxTimes = [];
for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 3)); i++) {
  const started = performance.now();
  const result = spawnSync('npx', ['keywarden', '--version'], { cwd: ROOT, env: cliEnv, encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`npx keywarden --version exited ${result.status}: ${result.stderr}`);
  npxTimes.push(performance.now() - started);
}
console.log(
  `npx keywarden --version in this clone: ${median(npxTimes).toFixed(0)} ms (median of ${npxTimes.length}; range ${Math.min(...npxTimes).toFixed(0)}–${Math.max(...npxTimes).toFixed(0)} ms), of which npm's own start is all but the --version figure above`,
);

// 2. The Action until its first AWS call: a scheduled run with (fake) credentials, its AWS endpoint on loopback.
const firstRequest = await actionToFirstAwsCall();
if (firstRequest) {
  const actionRatio = firstRequest / base;
  console.log(
    `action dist/index.js to its first AWS call: ${firstRequest.toFixed(0)} ms, ×${actionRatio.toFixed(2)} (target ≤ 2.5×: ${verdict(actionRatio <= 2.5)})`,
  );
}

async function actionToFirstAwsCall() {
  const times = [];
  let arrived;
  const server = createServer((request, response) => {
    arrived?.(performance.now());
    request.resume();
    response
      .writeHead(500, { 'content-type': 'text/xml' })
      .end('<Error><Code>InternalFailure</Code></Error>');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  writeFileSync(join(dir, 'event.json'), '{}');
  writeFileSync(join(dir, 'output'), '');
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    GITHUB_EVENT_NAME: 'schedule',
    GITHUB_EVENT_PATH: join(dir, 'event.json'),
    GITHUB_REPOSITORY: 'acme/infra',
    GITHUB_OUTPUT: join(dir, 'output'),
    RUNNER_TEMP: dir,
    INPUT_CREATE_ISSUES: 'false',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'bench-not-a-secret',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
    AWS_EC2_METADATA_DISABLED: 'true',
    KEYWARDEN_AWS_MAX_ATTEMPTS: '1',
  };
  try {
    for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 2)); i++) {
      const started = performance.now();
      const first = new Promise((resolve) => {
        arrived = resolve;
      });
      const child = spawn(NODE, [join(ROOT, 'dist/index.js')], { cwd: ROOT, env, stdio: 'ignore' });
      const exited = new Promise((resolve) => child.on('close', resolve));
      const at = await Promise.race([first, exited.then(() => undefined)]);
      arrived = undefined;
      child.kill();
      await exited;
      if (at === undefined) {
        console.log('action: dist/index.js exited before any AWS call (could not measure)');
        return undefined;
      }
      times.push(at - started);
    }
    return median(times);
  } finally {
    server.close();
  }
}

// 3. The CLI's package as npm installs it: packed from this tree, installed into an empty directory.
const packDir = join(dir, 'pack');
mkdirSync(packDir);
const [packed] = JSON.parse(
  execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], {
    cwd: ROOT,
    encoding: 'utf8',
  }),
);
const installDir = join(dir, 'install');
mkdirSync(installDir);
writeFileSync(
  join(installDir, 'package.json'),
  '{"name":"bench-install","version":"1.0.0","private":true}\n',
);
execFileSync(
  'npm',
  ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(packDir, packed.filename)],
  { cwd: installDir, stdio: 'pipe' },
);
const installed = diskUsage(join(installDir, 'node_modules'));
const packages = readdirSync(join(installDir, 'node_modules')).filter((name) => !name.startsWith('.')).length;
// Megabytes as npm counts them (10^6 bytes): the figure the docs state is npm pack's unpackedSize.
const mb = (bytes) => (bytes / 1e6).toFixed(2);
console.log(
  `npm install keywarden: ${mb(packed.unpackedSize)} MB unpacked (npm pack's unpackedSize; the installed files sum to ${mb(installed)} MB), ${mb(packed.size)} MB packed (size), ${packages} package${packages === 1 ? '' : 's'}, ${packed.entryCount} files (target ≤ 10 MB: ${verdict(installed <= 10e6)})`,
);
rmSync(dir, { recursive: true, force: true });

function diskUsage(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.size;
  return readdirSync(path).reduce((total, name) => total + diskUsage(join(path, name)), 0);
}
