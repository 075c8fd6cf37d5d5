// Each package declares what it needs where it runs: the stacks what `pulumi up` imports (the handler's packages
// and esbuild included, as production dependencies that `npm ci --omit=dev` installs), the policy pack exact
// versions, and the CLI nothing, because its bundle carries everything.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: the build script is plain JavaScript (no declarations), run by Node as it is.
import { PROGRAMS, programOptions } from '../../scripts/build.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const json = (path: string) => JSON.parse(readFileSync(resolve(ROOT, path), 'utf8'));
const lock = json('package-lock.json') as { packages: Record<string, { dev?: boolean; link?: boolean }> };
const isBuiltin = (name: string) => name.startsWith('node:') || builtinModules.includes(name);

/** The packages that keywarden's own files (not the packages' files) import, following every import. */
async function importedPackages(entries: string[]): Promise<string[]> {
  const result = await build({
    entryPoints: entries.map((entry) => resolve(ROOT, entry)),
    bundle: true,
    write: false,
    metafile: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    outdir: '/nonexistent',
    logLevel: 'silent',
  });
  const names = Object.values(result.metafile.inputs).flatMap((input) =>
    input.imports
      .filter((imported) => imported.external && !isBuiltin(imported.path))
      .map((imported) => imported.path),
  );
  return [...new Set(names.map((name) => name.replace(/^((?:@[^/]+\/)?[^/]+).*$/, '$1')))].sort();
}

describe.each([
  ['stacks/rotation', ['stacks/rotation/index.ts', 'stacks/rotation/handler.ts']],
  ['stacks/audit-role', ['stacks/audit-role/index.ts']],
])('the %s stack', (dir, entries) => {
  const declared = Object.keys(json(`${dir}/package.json`).dependencies ?? {});

  it('declares every package its program and what it bundles at deploy time import', async () => {
    const imported = await importedPackages(entries);

    expect(imported.filter((name) => !declared.includes(name))).toEqual([]);
  });

  it('gets each of them from npm ci --omit=dev: a workspace whose dependencies are not dev-only in the lock', () => {
    expect(json('package.json').workspaces).toContain(dir);
    expect(lock.packages[dir]).toBeDefined();
    expect(declared.filter((name) => lock.packages[`node_modules/${name}`]?.dev === true)).toEqual([]);
  });
});

describe('the policy pack', () => {
  it('pins its dependencies to exact versions, the ones installed here', () => {
    const dependencies = json('policypack/package.json').dependencies as Record<string, string>;

    for (const [name, version] of Object.entries(dependencies)) {
      expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
      expect(json(`node_modules/${name}/package.json`).version.replace(/^v/, ''), name).toBe(version);
    }
  });
});

describe('the CLI package', () => {
  it('has no runtime dependencies: its bundle imports nothing but Node built-ins', async () => {
    // Prepare
    const cli = (PROGRAMS as { entry: string }[]).find((program) => program.entry === 'cli/index.ts');

    // Act
    const result = await build({ ...programOptions(cli, '/nonexistent'), write: false, metafile: true });

    // Assess
    const external = Object.values(result.metafile?.outputs ?? {}).flatMap((output) =>
      output.imports.filter((imported) => imported.external).map((imported) => imported.path),
    );
    expect(external.filter((name) => !isBuiltin(name))).toEqual([]);
    expect(json('package.json').dependencies).toBeUndefined();
  });
});
