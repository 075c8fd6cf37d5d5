import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runProgram } from '../support/pulumi-program.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('npm run build:stacks', () => {
  beforeAll(() => {
    execFileSync(process.execPath, ['scripts/build-stacks.mjs'], { cwd: root, stdio: 'pipe' });
  });

  it('compiles each stack into the bin/index.js its Pulumi.yaml runs', () => {
    // Assess
    for (const stack of ['audit-role', 'rotation']) {
      expect(existsSync(`${root}stacks/${stack}/bin/index.js`)).toBe(true);
    }
  });

  it('gives a compiled audit-role program that deploys', async () => {
    // Prepare
    const program = (await import(`${root}stacks/audit-role/bin/index.js`)) as { default: () => unknown };

    // Act
    const stack = await runProgram('keywarden-audit-role', program.default, {
      repository: 'acme/infra',
      branches: ['main'],
    });

    // Assess
    expect(stack.one('aws:iam/role:Role').inputs.name).toBe('keywarden-audit');
  });

  it('gives a compiled rotation program that bundles the handler from its source, as pulumi up does', async () => {
    // Prepare
    const program = (await import(`${root}stacks/rotation/bin/index.js`)) as { default: () => unknown };

    // Act
    const stack = await runProgram('keywarden-rotation', program.default, {
      notificationEmails: ['security@example.com'],
    });

    // Assess
    const code = stack.one('aws:lambda/function:Function').inputs.code as {
      assets: Promise<Record<string, { text: Promise<string> }>>;
    };
    const assets = await code.assets;
    expect(Object.keys(assets)).toEqual(['index.mjs']);
    expect(await assets['index.mjs']?.text).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
  });
});
