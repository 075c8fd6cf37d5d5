// esbuild plugins for the bundles (the CLI, the Action, the policy pack): less for each process to parse at start.
import { builtinModules } from 'node:module';
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

/**
 * The Actions toolkit's HTTP and exec packages as free of side effects at import (they only define things), so
 * that esbuild drops them where nothing of theirs is used: `@actions/core` imports `@actions/http-client` (and
 * with it undici) for its OIDC client and `@actions/exec` for `platform`, neither of which the Action calls.
 * Where they are used (Octokit in the issues chunk) they are bundled as before.
 */
export const actionsToolkitWithoutSideEffects = {
  name: 'actions-toolkit-without-side-effects',
  setup(plugin) {
    plugin.onResolve({ filter: /^@actions\/(http-client|exec|io)(\/|$)/ }, async (args) => {
      if (args.pluginData?.actionsToolkit) return undefined;
      const resolved = await plugin.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { actionsToolkit: true },
      });
      return resolved.errors.length > 0 ? undefined : { ...resolved, sideEffects: false };
    });
  },
};

const BUILTIN = new RegExp(
  `^(node:.+|${builtinModules.map((name) => name.replace(/[/]/g, '\\/')).join('|')})$`,
);

/**
 * Node's built-in modules through require(), not as ES modules: importing a built-in as an ES module reads every
 * one of its exports, and some of those are getters that load more (the `WebSocket` of `node:http` loads Node's
 * own undici, before the SDK sends its first request). require() returns the module as it is; esbuild's interop
 * reads a property only when the code uses it.
 */
export const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(plugin) {
    plugin.onResolve({ filter: BUILTIN }, (args) =>
      args.kind === 'require-call' || args.namespace === 'builtin-by-require'
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'builtin-by-require' },
    );
    plugin.onLoad({ filter: /.*/, namespace: 'builtin-by-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};
