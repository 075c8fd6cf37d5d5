import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../core/policy/parse-text.js';
import { configJsonSchema, parseConfig } from '../../core/policy/schema.js';
import { docSection, fencedBlocks } from '../support/docs.js';

const section = () => docSection('docs/config.md', 'config');

describe('docs/config.md', () => {
  it('shows a config example that is valid', () => {
    const example = parseConfigText(fencedBlocks(section(), 'yaml')[0] ?? '', 'docs/config.md');

    expect(parseConfig(example, { asOf: new Date('2026-11-28T00:00:00Z') }).exemptions).toHaveLength(1);
  });

  it('documents every key of the schema', () => {
    // Prepare
    const documented = new Set([...section().matchAll(/^\| `([\w.[\]]+)`/gm)].map((m) => m[1]));
    const schema = configJsonSchema() as {
      properties: Record<string, { properties?: Record<string, unknown>; items?: { properties: object } }>;
    };

    // Act
    const keys = Object.entries(schema.properties).flatMap(([key, value]) => {
      if (key === 'trail') return [];
      const nested = value.properties ?? value.items?.properties;
      const prefix = value.items ? `${key}[].` : `${key}.`;
      return [
        value.items ? `${key}[]` : key,
        ...Object.keys(nested ?? {}).map((child) => `${prefix}${child}`),
      ];
    });

    // Assess
    for (const key of keys.filter((key) => !['rotation', 'scope', 'frameworks'].includes(key)))
      expect(documented).toContain(key);
    expect(section()).toContain('`trail.file` / `trail.bucket` / `trail.prefix` / `trail.retentionDays`');
  });
});
