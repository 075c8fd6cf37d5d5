import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_FILE, bundleHandler } from '../../../stacks/rotation/bundle.js';

describe('the rotation handler bundle', () => {
  let dir: string;
  let code: string;
  beforeAll(async () => {
    code = await bundleHandler();
    dir = mkdtempSync(join(tmpdir(), 'keywarden-bundle-'));
    writeFileSync(join(dir, BUNDLE_FILE), code);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is one self-contained module: no package is imported at run time', () => {
    // Act
    const imports = [...code.matchAll(/\bfrom\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g)]
      .map((match) => match[1] ?? match[2])
      .filter((specifier) => !specifier?.startsWith('node:'));

    // Assess
    expect(imports).toEqual([]);
  });

  it('loads in a fresh Node process, as Lambda loads it, and answers a bad environment with one line', () => {
    // Prepare
    const invoke = `
      const { handler } = await import(${JSON.stringify(pathToFileURL(join(dir, BUNDLE_FILE)).href)});
      const context = { functionName: 'keywarden-rotation', awsRequestId: 'r-1', getRemainingTimeInMillis: () => 900000 };
      await handler({}, context).then(() => console.log('resolved'), (err) => console.log('rejected:', err.message));`;

    // Act
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', invoke], {
      env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1' },
      encoding: 'utf8',
    });

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("rejected: the function's environment lacks KEYWARDEN_CONFIG");
    const errorLine = result.stderr.split('\n').find((line) => line.includes('rotation run failed'));
    expect(JSON.parse(errorLine ?? '{}')).toMatchObject({ level: 'ERROR', service: 'keywarden-rotation' });
  });
});
