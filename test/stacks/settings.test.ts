import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readStackSettings } from '../../stacks/settings.js';

const schema = z
  .object({
    name: z.string().default('keywarden'),
    retentionDays: z.number().int().default(30),
    emails: z.array(z.email()).default([]),
    enabled: z.boolean().default(true),
  })
  .strict();

describe('readStackSettings', () => {
  it('takes text settings as written and parses numbers, lists and booleans from JSON', () => {
    // Prepare
    const config = {
      'proj:name': '0123',
      'proj:retentionDays': '400',
      'proj:emails': '["sec@example.com"]',
      'proj:enabled': 'false',
      'aws:region': 'eu-central-1',
    };

    // Act
    const settings = readStackSettings(schema, config, 'proj');

    // Assess
    expect(settings).toEqual({
      name: '0123',
      retentionDays: 400,
      emails: ['sec@example.com'],
      enabled: false,
    });
  });

  it('applies the schema defaults when nothing is set', () => {
    // Act
    const settings = readStackSettings(schema, {}, 'proj');

    // Assess
    expect(settings).toEqual({ name: 'keywarden', retentionDays: 30, emails: [], enabled: true });
  });

  it('throws one line naming every bad key', () => {
    // Prepare
    const config = {
      'proj:retentionDays': 'thirty',
      'proj:emails': '["not-an-email"]',
      'proj:colour': 'red',
    };

    // Act
    const attempt = () => readStackSettings(schema, config, 'proj');

    // Assess
    expect(attempt).toThrow(
      /^proj config: retentionDays: Invalid input: expected number, received string; emails\[0\]: Invalid email address; unknown key "colour"$/,
    );
  });
});
