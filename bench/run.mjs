// `npm run bench`: runs every bench/<name>.bench.mjs, in name order, each in its own Node process, and
// prints their output as it comes. `npm run bench -- audit` runs only the files whose names contain "audit".
//
// Convention for a benchmark file (add yours as bench/<surface>.bench.mjs; helpers go in bench/<surface>/):
// - plain ESM JavaScript for Node 24, started from the repository root; it measures its baseline in the same
//   run (never against a remembered number) and prints its figures and ratios against their targets;
// - it starts and stops whatever it needs (moto: bench/audit/moto.mjs), and talks only to loopback;
// - it exits non-zero only when it could not measure; a missed target is printed, not thrown.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const only = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((file) => file.endsWith('.bench.mjs'))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort();
if (benches.length === 0) {
  console.error(`no bench/*.bench.mjs matches ${only.join(' ') || '(any)'}`);
  process.exit(2);
}
const failed = [];
for (const file of benches) {
  console.log(`\n## ${file}\n`);
  const result = spawnSync(process.execPath, [join(here, file)], { stdio: 'inherit', cwd: join(here, '..') });
  if (result.status !== 0) failed.push(`${file} (exit ${result.status ?? result.signal})`);
}
if (failed.length > 0) {
  console.error(`\nbenchmarks that could not measure: ${failed.join(', ')}`);
  process.exitCode = 1;
}
