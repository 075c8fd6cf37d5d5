import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';
import packPackage from '../../policypack/package.json' with { type: 'json' };

const packDir = new URL('../../policypack/', import.meta.url);

describe('the policy pack as `pulumi policy publish` uploads it', () => {
  it('packs only the bundle, PulumiPolicy.yaml and package.json', () => {
    // Act: what `npm pack` (which `pulumi policy publish` runs) would put in the tarball.
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: packDir,
        encoding: 'utf8',
      }),
    ) as [{ files: { path: string }[] }];

    // Assess
    expect(packed.files.map((file) => file.path).sort()).toEqual([
      'PulumiPolicy.yaml',
      'bin/index.cjs',
      'package.json',
    ]);
  });

  it('starts from the CommonJS bundle, which needs nothing but its declared dependencies', () => {
    const bundle = readFileSync(new URL(packPackage.main, packDir), 'utf8');

    const required = new Set([...bundle.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]!));

    expect(packPackage.main).toBe('bin/index.cjs');
    const external = [...required].filter((name) => !builtinModules.includes(name.replace(/^node:/, '')));
    const declared = Object.keys(packPackage.dependencies);
    expect(external).toContain('@pulumi/policy');
    expect(
      external.filter((name) => !declared.some((dep) => name === dep || name.startsWith(`${dep}/`))),
    ).toEqual([]);
  });
});
