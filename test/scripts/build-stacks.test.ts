import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../support/pulumi-program.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('npm run build:stacks', () => {
  it('compiles each stack into the bin/index.js its Pulumi.yaml runs, and that program deploys', async () => {
    // Act
    execFileSync(process.execPath, ['scripts/build-stacks.mjs'], { cwd: root, stdio: 'pipe' });

    // Assess
    const compiled = `${root}stacks/audit-role/bin/index.js`;
    expect(existsSync(compiled)).toBe(true);
    const program = (await import(compiled)) as { default: () => unknown };
    const stack = await runProgram('keywarden-audit-role', program.default, {
      repository: 'acme/infra',
      branches: ['main'],
    });
    expect(stack.one('aws:iam/role:Role').inputs.name).toBe('keywarden-audit');
  });
});
