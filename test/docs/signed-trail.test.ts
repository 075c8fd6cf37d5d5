/**
 * docs/signed-trail.md: its openssl recipe is exactly the one the evidence pack ships (and that
 * test/core/evidence/signatures.test.ts runs as written), its config example is a valid keywarden.yml, and what
 * it says verify and the CLI print is what they print.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PACK_RECORD_RECIPE_COMMANDS, SIGNATURE_RECIPE_COMMANDS } from '../../core/evidence/signatures.js';
import { parseConfig } from '../../core/policy/schema.js';
import { parseSigningKeyArn } from '../../core/trail/index.js';

const guide = readFileSync(new URL('../../docs/signed-trail.md', import.meta.url), 'utf8');
const blocks = (language: string) =>
  [...guide.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map(
    (match) => match[1] ?? '',
  );

describe('docs/signed-trail.md', () => {
  it('shows the openssl recipe the evidence pack ships, command for command', () => {
    const shell = blocks('sh').map((block) => block.trim());

    expect(shell).toContain(SIGNATURE_RECIPE_COMMANDS);
    expect(shell).toContain(PACK_RECORD_RECIPE_COMMANDS);
  });

  it('shows a config that keywarden accepts, with the signing key it names', () => {
    const [yaml = ''] = blocks('yaml');

    const config = parseConfig(parse(yaml), { asOf: new Date('2026-12-01T00:00:00Z') });

    expect(config.trail?.signingKey).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\//);
  });

  it('quotes the refusal of an alias as the CLI words it', () => {
    expect(() => parseSigningKeyArn('alias/keywarden-trail', '--trail-signing-key')).toThrow(
      '--trail-signing-key: "alias/keywarden-trail" is not a KMS key ARN',
    );
    expect(guide).toContain('`--trail-signing-key: "alias/…" is not a KMS key ARN …`');
  });
});
