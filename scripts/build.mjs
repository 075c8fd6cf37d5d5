// Bundles the entry points with esbuild: the CLI (dist/cli.js) and, when present, the Action (dist/index.js).
// Bundles are committed; .ci/run rebuilds and fails when they differ (stale dist/).
import { existsSync } from 'node:fs';
import { build } from 'esbuild';

const entries = [
  { in: 'cli/index.ts', out: 'cli' },
  { in: 'action/index.ts', out: 'index' },
].filter((entry) => existsSync(entry.in));

await build({
  entryPoints: entries,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Some bundled CommonJS modules call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);",
  },
});
