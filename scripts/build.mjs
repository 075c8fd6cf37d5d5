// Bundles the entry points with esbuild: the CLI (dist/cli.js and its chunks in dist/cli/), when present the
// Action (dist/index.js and its chunks in dist/action/), and the policy pack (policypack/bin/index.cjs). Bundles
// are committed; .ci/run rebuilds and fails when they differ or when a chunk is not committed.
//
// The CLI and the Action are split into chunks: a command module, or an AWS client, that is reached only through
// a dynamic import() is its own chunk, loaded when it runs. `keywarden --version` and an offline audit never parse
// the AWS SDK. Chunk names carry a content hash, so the same sources always give the same files; dist/cli/ and
// dist/action/ are emptied first, so a chunk that a change made obsolete does not linger.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { actionsToolkitWithoutSideEffects, builtinsByRequire, englishOnlyZod } from './esbuild-plugins.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));

/** The programs split into chunks: entry, output name under dist/, and the folder of its chunks. */
export const PROGRAMS = [
  { entry: 'cli/index.ts', out: 'cli', chunks: 'cli' },
  // The Action takes its packages' ES modules where they ship both (the AWS SDK does): esbuild then leaves out
  // what the Action does not use, and the SDK does not run through CommonJS wrappers before the first AWS call.
  // Built-ins by require() then keep the SDK's `import('node:http')` from loading Node's undici (see the plugin).
  {
    entry: 'action/index.ts',
    out: 'index',
    chunks: 'action',
    mainFields: ['module', 'main'],
    builtinsByRequire: true,
  },
];

/** esbuild options of one program, written under `outdir` (default: the repository's dist/). */
export function programOptions(program, outdir = join(root, 'dist')) {
  return {
    entryPoints: [{ in: join(root, program.entry), out: program.out }],
    outdir,
    chunkNames: `${program.chunks}/[name]-[hash]`,
    bundle: true,
    splitting: true,
    ...(program.mainFields ? { mainFields: program.mainFields } : {}),
    platform: 'node',
    // The npm package supports Node 22.12 and later (package.json engines); the Action runs on Node 24.
    target: 'node22',
    format: 'esm',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [
      englishOnlyZod,
      actionsToolkitWithoutSideEffects,
      ...(program.builtinsByRequire ? [builtinsByRequire] : []),
    ],
    // Some bundled CommonJS modules call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);",
    },
  };
}

// The policy pack starts from this bundle (its package.json "main"), so no TypeScript is compiled at each start.
// CommonJS because Pulumi's run-policy-pack require()s the pack; @pulumi/policy and @pulumi/pulumi stay external:
// they are the pack's own dependencies, and the analyzer must share their module instances with the pack.
export const POLICY_PACK = {
  entryPoints: [join(root, 'policypack/index.ts')],
  outfile: join(root, 'policypack/bin/index.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  external: ['@pulumi/policy', '@pulumi/pulumi'],
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [englishOnlyZod],
};

export async function buildAll() {
  for (const program of PROGRAMS) {
    if (!existsSync(join(root, program.entry))) continue;
    rmSync(join(root, 'dist', program.chunks), { recursive: true, force: true });
    await build(programOptions(program));
  }
  await build(POLICY_PACK);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildAll();
