// Benchmarks import keywarden's TypeScript through one esbuild bundle of the exports they name, written to
// `work`; the moto launcher and its Python modules are copied beside it (test/support/moto.ts finds it next to
// the module).
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');

/** Bundles `exportLines` (export statements with paths from the repository root) and imports the result. */
export async function importBundle(work, name, exportLines) {
  const outfile = join(work, `${name}.mjs`);
  await build({
    stdin: { contents: exportLines.join('\n'), resolveDir: root, loader: 'ts' },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'error',
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  // The moto launcher and the modules it imports from its own folder (moto_cloudtrail.py).
  for (const file of readdirSync(join(root, 'test/support')).filter((name) => name.endsWith('.py')))
    copyFileSync(join(root, 'test/support', file), join(work, file));
  return import(pathToFileURL(outfile).href);
}
