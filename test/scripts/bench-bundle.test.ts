import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: the bench helpers are plain JavaScript (no declarations), run by Node as they are.
import { importBundle } from '../../bench/bundle.mjs';

const work = mkdtempSync(join(tmpdir(), 'keywarden-bench-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('bench/bundle.mjs', () => {
  // The benchmarks start moto from the bundle's folder: the launcher must find every module it imports there.
  it('puts the moto launcher and every Python module beside it in the bundle folder', async () => {
    // Act
    const bundle = await importBundle(work, 'probe', ["export { DAY_MS } from './core/time.ts';"]);

    // Assess
    expect(bundle.DAY_MS).toBe(86_400_000);
    const modules = readdirSync(join(import.meta.dirname, '../support')).filter((name) =>
      name.endsWith('.py'),
    );
    expect(modules).toContain('moto_cloudtrail.py');
    for (const module of modules) expect(existsSync(join(work, module)), module).toBe(true);
  });
});
