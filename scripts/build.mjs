// Bundles the entry points with esbuild: the CLI (dist/cli.js), when present the Action (dist/index.js), and the
// policy pack (policypack/bin/index.cjs). Bundles are committed; .ci/run rebuilds and fails when they differ.
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

// The policy pack starts from this bundle (its package.json "main"), so no TypeScript is compiled at each start.
// CommonJS because Pulumi's run-policy-pack require()s the pack; @pulumi/policy and @pulumi/pulumi stay external:
// they are the pack's own dependencies, and the analyzer must share their module instances with the pack.
await build({
  entryPoints: ['policypack/index.ts'],
  outfile: 'policypack/bin/index.cjs',
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  external: ['@pulumi/policy', '@pulumi/pulumi'],
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [dropUnusedYaml()],
});

// The pack never reads config files (Pulumi hands it the config), so the YAML parser that core/config.ts imports
// for keywarden.yml is unused there: declaring it side-effect free lets esbuild leave it out (a faster start).
function dropUnusedYaml() {
  return {
    name: 'drop-unused-yaml',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^yaml$/ }, async (args) => {
        if (args.pluginData === 'resolving') return undefined;
        const resolved = await pluginBuild.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          pluginData: 'resolving',
        });
        return { ...resolved, sideEffects: false };
      });
    },
  };
}
