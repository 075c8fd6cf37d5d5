// The rotation engine and the test support it runs against are TypeScript: bundle what a bench names once, into
// its work directory, then import the bundle. The moto launcher is copied beside it, where startMoto looks.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..', '..');

/** Bundles `exportLines` (export statements relative to the repository root) and imports the result. */
export async function importBundle(exportLines, work, name) {
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
  copyFileSync(join(root, 'test/support/moto_launcher.py'), join(work, 'moto_launcher.py'));
  return import(pathToFileURL(outfile).href);
}
