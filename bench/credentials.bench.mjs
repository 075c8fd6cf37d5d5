// `keywarden credentials` as a credential_process costs one process start per SDK refresh (and per aws CLI
// command). Measured here, in the same run: the whole process on a cache hit (read the 0600 cache, one
// DescribeSecret to moto with the cached key, print) against `node -e 0`; target ≤ 2.5×. Also the switch
// (the secret names a newer key: GetSecretValue and the atomic cache replacement) for comparison, and a floor:
// core/credentials alone in its own bundle (no commander, no other command; the SDK in a chunk of its own),
// which is what a CLI that loads only the command it runs can reach.
// Needs the bundle (npm run build) and moto. `npm run bench credentials` runs it alone.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { build } from 'esbuild';
import { startMoto } from './audit/moto.mjs';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'keywarden.js');
const RUNS = Number(process.env.KEYWARDEN_BENCH_RUNS) || 15;
const TARGET = 2.5;
const USER = 'bench-consumer';

if (!existsSync(join(ROOT, 'dist', 'cli.js'))) {
  console.error('credentials: dist/cli.js is missing; run npm run build first');
  process.exit(1);
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${value.toFixed(0)} ms`;
const versionId = (id) => `keywarden-key-${id}`.padEnd(32, '-');

const moto = await startMoto();
const dir = mkdtempSync(join(tmpdir(), 'kw-bench-credentials-'));
try {
  const common = {
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const iam = new IAMClient(common);
  const secrets = new SecretsManagerClient(common);
  await iam.send(new CreateUserCommand({ UserName: USER }));
  const newKey = async () => (await iam.send(new CreateAccessKeyCommand({ UserName: USER }))).AccessKey;
  const first = await newKey();
  const secretId = `keywarden/123456789012/${USER}`;
  await secrets.send(
    new CreateSecretCommand({
      Name: secretId,
      SecretString: JSON.stringify({
        AccessKeyId: first.AccessKeyId,
        SecretAccessKey: first.SecretAccessKey,
      }),
      ClientRequestToken: versionId(first.AccessKeyId),
    }),
  );
  const cache = join(dir, 'cache', `${USER}.json`);
  const env = { ...process.env, ...moto.env };
  const helper = (extra = [], input = undefined) => {
    const started = performance.now();
    const result = spawnSync(
      process.execPath,
      [BIN, 'credentials', '--user', USER, '--cache', cache, ...extra],
      {
        env,
        input,
        stdio: 'pipe',
      },
    );
    if (result.status !== 0)
      throw new Error(`keywarden credentials exited ${result.status}: ${result.stderr}`);
    return performance.now() - started;
  };
  helper(
    ['--init'],
    JSON.stringify({ AccessKeyId: first.AccessKeyId, SecretAccessKey: first.SecretAccessKey }),
  );

  const floorEntry = join(dir, 'floor', 'floor-entry.js');
  writeFileSync(
    join(dir, 'floor-entry.mjs'),
    `import { awsCalls, currentCredentials } from ${JSON.stringify(join(ROOT, 'core/credentials/index.ts'))};
const [user, cacheFile] = process.argv.slice(2);
process.stdout.write(JSON.stringify(await currentCredentials({ user, cacheFile, expirationMinutes: 60, clock: () => new Date() }, awsCalls({ env: process.env }))) + '\\n');`,
  );
  await build({
    entryPoints: [join(dir, 'floor-entry.mjs')],
    outdir: join(dir, 'floor'),
    outExtension: { '.js': '.js' },
    // Split: the SDK half (core/credentials/sdk.ts, an --init or a switch) is a chunk loaded on first use.
    splitting: true,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    logLevel: 'warning',
    banner: {
      js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);",
    },
  });
  const timed = (args) => {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { env, stdio: 'pipe' });
    if (result.status !== 0)
      throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    return performance.now() - started;
  };
  const baseline = [];
  const hits = [];
  const floor = [];
  for (let i = 0; i < RUNS; i++) {
    baseline.push(timed(['-e', '0']));
    hits.push(helper());
    floor.push(timed([floorEntry, USER, cache]));
  }
  const switches = [];
  let previous = first;
  for (let i = 0; i < Math.min(RUNS, 5); i++) {
    // A rotation as keywarden stores it: the new key becomes the secret's AWSCURRENT version.
    const next = await newKey();
    await iam.send(new DeleteAccessKeyCommand({ UserName: USER, AccessKeyId: previous.AccessKeyId }));
    previous = next;
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: JSON.stringify({
          AccessKeyId: next.AccessKeyId,
          SecretAccessKey: next.SecretAccessKey,
        }),
        ClientRequestToken: versionId(next.AccessKeyId),
      }),
    );
    switches.push(helper());
  }
  iam.destroy();
  secrets.destroy();
  const ratio = median(hits) / median(baseline);
  console.log(
    `cache hit: keywarden credentials ${ms(median(hits))} vs node -e 0 ${ms(median(baseline))} (×${ratio.toFixed(2)}, target ≤ ${TARGET}×: ${ratio <= TARGET ? 'met' : 'MISSED'}; median of ${RUNS}, one DescribeSecret to moto included)`,
  );
  console.log(
    `floor (core/credentials bundled alone): ${ms(median(floor))} (×${(median(floor) / median(baseline)).toFixed(2)} of node -e 0)`,
  );
  console.log(
    `switch to a new key: ${ms(median(switches))} (median of ${switches.length}; DescribeSecret, GetSecretValue, atomic cache write)`,
  );
} finally {
  await moto.stop();
  rmSync(dir, { recursive: true, force: true });
}
