import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  hashOf,
  seal,
  TRAIL_ACTIONS,
  type TrailEntry,
  type TrailRecord,
  verifyRecords,
} from '../../../core/trail/index.js';

// The hash input must be RFC 8785 (JCS) so that an auditor can re-check the chain with any JCS library.
// `canonicalize` is a maintained JCS implementation; it refuses what JCS cannot encode (lone surrogates).
// Any code point, plus lone surrogate halves (JavaScript strings can hold them; 'binary' never yields one).
const text = fc.string({
  unit: fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff'),
  ),
  maxLength: 40,
});
const wellFormedText = fc.string({ unit: 'grapheme', maxLength: 40 });
const entryOf = (string: fc.Arbitrary<string>): fc.Arbitrary<TrailEntry> =>
  fc.record({
    at: fc.date({
      min: new Date('1970-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    }),
    account: string,
    actor: string,
    action: fc.constantFrom(...TRAIL_ACTIONS),
    user: string,
    accessKeyId: fc.option(string, { nil: null }),
    outcome: fc.constantFrom('success', 'failure', 'recovered' as const),
    reason: string,
  });
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

describe('the trail hash input is RFC 8785 (JCS)', () => {
  it('is byte for byte what a JCS library produces, for every record a store seals', () => {
    fc.assert(
      fc.property(fc.array(entryOf(text), { minLength: 1, maxLength: 4 }), (entries) => {
        // Act: seal a chain from arbitrary field values (unicode of every plane, controls, lone surrogates).
        const records: TrailRecord[] = [];
        for (const entry of entries) records.push(seal(entry, records.at(-1) ?? null));

        // Assess
        for (const record of records) {
          const { hash, ...unsealed } = record;
          expect(canonicalJson(unsealed)).toBe(canonicalize(unsealed));
          expect(hash).toBe(sha256(canonicalize(unsealed) as string));
        }
        expect(verifyRecords(records).intact).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('is what a JCS library produces for any stored values, numbers included', () => {
    const value = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer(),
      fc.constant(-0),
      fc.constant(1e21),
      fc.constant(5e-324),
      wellFormedText,
      fc.constant(null),
      fc.boolean(),
    );
    fc.assert(
      fc.property(fc.dictionary(wellFormedText, value), fc.integer({ min: 1 }), (fields, seq) => {
        // Prepare: a stored record may hold anything; verify hashes it as stored.
        const stored = { ...fields, version: 1, seq };

        // Act / Assess
        expect(canonicalJson(stored)).toBe(canonicalize(stored));
        expect(hashOf(stored as unknown as TrailRecord)).toBe(sha256(canonicalize(stored) as string));
      }),
      { numRuns: 300 },
    );
  });

  it('seals a lone surrogate as U+FFFD, which JCS can encode', () => {
    // Prepare
    const entry: TrailEntry = {
      at: new Date('2026-06-01T12:00:00Z'),
      account: '123456789012',
      actor: 'local:ops',
      action: 'notice',
      user: 'alice',
      accessKeyId: null,
      outcome: 'success',
      reason: 'half a pair: \ud83d',
    };

    // Act
    const record = seal(entry, null);

    // Assess
    expect(record.reason).toBe('half a pair: \ufffd');
    expect(canonicalize({ ...record })).toBeDefined();
  });
});
