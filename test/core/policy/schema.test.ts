import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Every file an entry point pulls in when bundled plainly, without plugins that drop modules. */
async function bundledInputs(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [`${root}${entry}`],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'bundle',
    external: ['@pulumi/*', '@aws-sdk/*', '@aws-lambda-powertools/*', 'esbuild'],
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

describe('the config schema apart from its loader', () => {
  it.each([
    ['the policy pack', 'policypack/index.ts'],
    ['the rotation stack', 'stacks/rotation/index.ts'],
    ['the audit-role stack', 'stacks/audit-role/index.ts'],
    ['the rotation handler', 'stacks/rotation/handler.ts'],
  ])('keeps the YAML parser and the config loader out of %s', async (_name, entry) => {
    // Act
    const inputs = await bundledInputs(entry);

    // Assess
    expect(inputs.some((input) => input.includes('core/policy/schema.ts'))).toBe(true);
    expect(inputs.filter((input) => input.includes('node_modules/yaml/'))).toEqual([]);
    expect(inputs).not.toContain('core/policy/load.ts');
  });

  it('imports neither yaml nor the file system', async () => {
    const inputs = await bundledInputs('core/policy/schema.ts');

    expect(inputs.filter((input) => /node_modules\/yaml\/|^node:fs/.test(input))).toEqual([]);
  });
});
