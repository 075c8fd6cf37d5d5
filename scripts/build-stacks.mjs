// Compiles each Pulumi program (stacks/<name>/index.ts) into stacks/<name>/bin/index.js, the `main` of its
// Pulumi.yaml, so that `pulumi up` starts from JavaScript instead of type-checking TypeScript at every run.
// Packages stay external: they resolve from the repository's node_modules, as in development.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const stacksDir = fileURLToPath(new URL('../stacks/', import.meta.url));

/** Builds every stack program; `outDirOf(name)` says where (default: the stack's own bin/). */
export async function buildStacks(outDirOf = (name) => join(stacksDir, name, 'bin')) {
  const names = readdirSync(stacksDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(stacksDir, entry.name, 'Pulumi.yaml')))
    .map((entry) => entry.name);
  for (const name of names) {
    await build({
      entryPoints: [join(stacksDir, name, 'index.ts')],
      outfile: join(outDirOf(name), 'index.js'),
      bundle: true,
      packages: 'external',
      platform: 'node',
      target: 'node24',
      format: 'esm',
      logLevel: 'warning',
    });
  }
  return names;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildStacks();
