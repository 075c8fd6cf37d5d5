// Lets a benchmark import the project's TypeScript test support with Node's own type stripping:
// sources import each other as `./x.js` (as the bundler and tsc want); this maps those to `./x.ts`.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (err) {
      const relative = specifier.startsWith('.') && specifier.endsWith('.js');
      if (err?.code === 'ERR_MODULE_NOT_FOUND' && relative)
        return next(`${specifier.slice(0, -3)}.ts`, context);
      throw err;
    }
  },
});
