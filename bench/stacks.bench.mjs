// The rotation Lambda's asset and cold start, measured in one run:
// (a) the asset the stack deploys (stacks/rotation/bundle.ts, exactly as `pulumi up` builds it): bytes
//     unzipped (target ≤ 1 MB) and deflated (roughly what the zip uploads);
// (b) the handler's cold import: a fresh Node process importing the bundle, against the baseline of a fresh
//     process importing only the AWS SDK's IAM client from node_modules, alternated so noise hits both.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateRawSync } from 'node:zlib';

const ROUNDS = Number(process.env.KEYWARDEN_BENCH_ROUNDS ?? 7);
const TARGET_BYTES = 1_000_000;
const root = fileURLToPath(new URL('../', import.meta.url));

// Node 24 strips the types of bundle.ts itself (it imports only esbuild).
const { bundleHandler, BUNDLE_FILE } = await import(
  pathToFileURL(join(root, 'stacks/rotation/bundle.ts')).href
);

const bundleStarted = performance.now();
const code = await bundleHandler();
const bundleMs = performance.now() - bundleStarted;
const bytes = Buffer.byteLength(code);
const deflated = deflateRawSync(code, { level: 9 }).length;

const dir = mkdtempSync(join(tmpdir(), 'keywarden-asset-'));
const asset = join(dir, BUNDLE_FILE);
writeFileSync(asset, code);

/** Milliseconds a fresh Node process spends importing `specifier` (measured inside that process). */
function coldImportMs(specifier) {
  const script = `const t = process.hrtime.bigint(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    // The handler builds its Logger and Metrics at import, as in Lambda; keep their output quiet.
    env: { ...process.env, AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT' },
  });
  return Number(out.toString());
}

const handlerTimes = [];
const baselineTimes = [];
const iamClient = pathToFileURL(join(root, 'node_modules/@aws-sdk/client-iam/dist-cjs/index.js')).href;
try {
  for (let round = 0; round < ROUNDS; round++) {
    handlerTimes.push(coldImportMs(pathToFileURL(asset).href));
    baselineTimes.push(coldImportMs(iamClient));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const handlerMs = median(handlerTimes);
const baselineMs = median(baselineTimes);
const kb = (n) => `${(n / 1000).toFixed(0)} kB`;

console.log(
  `rotation Lambda asset: ${kb(bytes)} unzipped (target ≤ ${kb(TARGET_BYTES)}: ${bytes <= TARGET_BYTES ? 'met' : 'MISSED'}), ${kb(deflated)} deflated; bundled in ${bundleMs.toFixed(0)} ms`,
);
console.log(`cold import, median of ${ROUNDS} fresh processes:`);
console.log(`  handler bundle (everything the function loads):  ${handlerMs.toFixed(0)} ms`);
console.log(`  baseline, @aws-sdk/client-iam alone:             ${baselineMs.toFixed(0)} ms`);
console.log(`  ratio handler / baseline: ${(handlerMs / baselineMs).toFixed(2)}`);
