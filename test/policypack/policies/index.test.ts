import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import rootPackage from '../../../package.json' with { type: 'json' };
import packPackage from '../../../policypack/package.json' with { type: 'json' };
import { keywardenPolicies } from '../../../policypack/policies/index.js';

const policiesDir = new URL('../../../policypack/policies/', import.meta.url);
const camelCase = (kebab: string) => kebab.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** The `@tag value` lines of the JSDoc block right above the policy's export. */
function jsdocTags(source: string, exportName: string): Record<string, string> {
  const block = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*export const ${exportName}\\b`).exec(
    source,
  );
  if (!block) return {};
  return Object.fromEntries([...block[1]!.matchAll(/@(\w+)\s+(.+)/g)].map((m) => [m[1]!, m[2]!.trim()]));
}

describe('the registered policies', () => {
  it('registers every policy file, once', () => {
    const files = readdirSync(policiesDir).filter((f) => f.endsWith('.ts') && f !== 'index.ts');

    expect(keywardenPolicies.map((p) => `${p.name}.ts`).sort()).toEqual(files.sort());
  });

  describe.each(keywardenPolicies.map((policy) => [policy.name, policy] as const))('%s', (name, policy) => {
    const exportName = camelCase(name);

    it('is exported under the verb-first camelCase form of its name', async () => {
      const module = (await import(/* @vite-ignore */ new URL(`${name}.ts`, policiesDir).href)) as Record<
        string,
        unknown
      >;

      expect(module[exportName]).toBe(policy);
      expect(name).toMatch(/^(reject|require|restrict)-/);
    });

    it('has a JSDoc block that matches its registered severity, level and framework', () => {
      const tags = jsdocTags(readFileSync(new URL(`${name}.ts`, policiesDir), 'utf8'), exportName);

      expect(tags).toEqual({
        severity: policy.severity,
        enforcementLevel: policy.enforcementLevel,
        framework: `${policy.framework?.name} ${policy.framework?.reference}`,
      });
    });

    it('describes itself in full sentences that name its 21 CFR Part 11 clause', () => {
      expect(policy.description).toMatch(/^[A-Z].*\.$/s);
      expect(policy.description).toContain(`21 CFR ${policy.framework?.reference}`);
    });
  });

  it('publishes the pack under the version of keywarden', () => {
    expect(packPackage.version).toBe(rootPackage.version);
  });
});
