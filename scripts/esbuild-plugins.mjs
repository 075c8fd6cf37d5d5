// esbuild plugins for the bundles (the CLI, the Action, the policy pack): less for each process to parse at start.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * keywarden reports in English: zod's translations of its messages into 40-odd languages are a third of what zod
 * adds. This replaces zod's locale index by English alone (the one zod configures).
 */
export const englishOnlyZod = {
  name: 'english-only-zod',
  setup(plugin) {
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
