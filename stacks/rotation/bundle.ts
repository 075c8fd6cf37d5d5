import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

/** The file name of the bundle inside the Lambda asset; the function's handler is `index.handler`. */
export const BUNDLE_FILE = 'index.mjs';

/** The handler's source: beside this module, or one level up when this runs from the compiled bin/. */
export function handlerSource(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'handler.ts'), join(here, '..', 'handler.ts')];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`the rotation handler is missing: looked for ${candidates.join(' and ')}`);
  return found;
}

/**
 * Bundles the handler into one ESM file with every dependency pinned inside it, the AWS SDK included:
 * a validated release runs the SDK it was tested with, not whichever version the Lambda runtime carries.
 * Packages' ES module builds are preferred so that unused SDK commands are left out.
 */
export async function bundleHandler(): Promise<string> {
  const result = await build({
    entryPoints: [handlerSource()],
    bundle: true,
    write: false,
    outfile: BUNDLE_FILE,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    mainFields: ['module', 'main'],
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [leaveOutWhatTheHandlerNeverLoads],
    // Some bundled CommonJS modules call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);",
    },
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild produced no bundle for the rotation handler');
  return output.text;
}

/**
 * Two libraries that core imports would otherwise ride along whole: `yaml` (only the CLI reads config
 * files; marked side-effect free so that it drops out when unused) and zod's translations of its error
 * messages into other languages (keywarden reports in English; a third of the bundle).
 */
const leaveOutWhatTheHandlerNeverLoads: Plugin = {
  name: 'leave-out-what-the-handler-never-loads',
  setup(plugin) {
    plugin.onResolve({ filter: /^yaml$/ }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      const resolved = await plugin.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolving',
      });
      return { path: resolved.path, sideEffects: false };
    });
    plugin.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes('/node_modules/zod/')
        ? { path: 'english-only', namespace: 'zod-locales' }
        : undefined,
    );
    plugin.onLoad({ filter: /.*/, namespace: 'zod-locales' }, () => ({
      contents: "export { default as en } from 'zod/v4/locales/en.js';",
      resolveDir: dirname(fileURLToPath(import.meta.url)),
    }));
  },
};
