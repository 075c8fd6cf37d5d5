import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  GENESIS_HASH,
  hashOf,
  parseStoredRecord,
  type StoredRecord,
  seal,
  type TrailEntry,
  type TrailRecord,
  verifyRecords,
} from '../../../core/trail/index.js';

const entry = (n: number): TrailEntry => ({
  at: new Date(Date.UTC(2026, 5, 1, 12, n)),
  account: '123456789012',
  actor: 'arn:aws:iam::123456789012:user/ops',
  action: 'key.create',
  user: `user-${n}`,
  accessKeyId: `AKIAEXAMPLE${String(n).padStart(5, '0')}`,
  outcome: 'success',
  reason: 'key age 81 days reached rotateAtDays 80',
});

function chain(length: number): TrailRecord[] {
  const records: TrailRecord[] = [];
  for (let n = 1; n <= length; n++) records.push(seal(entry(n), records.at(-1) ?? null));
  return records;
}

describe('trail records', () => {
  it('canonicalises JSON with sorted keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[2,{"y":null,"z":1}]},"b":1}',
    );
  });

  it('seals each record over the one before, starting from the genesis hash', () => {
    const records = chain(3);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(records[0]?.prevHash).toBe(GENESIS_HASH);
    expect(records[1]?.prevHash).toBe(records[0]?.hash);
    expect(records[2]?.hash).toBe(hashOf(records[2] as TrailRecord));
    expect(records[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies an intact chain', () => {
    expect(verifyRecords(chain(5))).toEqual({ intact: true, records: 5, firstBadSeq: null, problem: null });
  });

  it('names the edited record', () => {
    const records = chain(5);
    records[2] = { ...(records[2] as TrailRecord), user: 'mallory' };
    const result = verifyRecords(records);
    expect(result).toMatchObject({ intact: false, firstBadSeq: 3 });
    expect(result.problem).toContain('altered');
  });

  it('names the edited record even when its hash was recomputed', () => {
    const records = chain(5);
    const forged = { ...(records[2] as TrailRecord), user: 'mallory' };
    records[2] = { ...forged, hash: hashOf(forged) };
    expect(verifyRecords(records)).toMatchObject({ intact: false, firstBadSeq: 4 });
  });

  it('names the deleted record', () => {
    const records = chain(5);
    records.splice(3, 1);
    const result = verifyRecords(records);
    expect(result).toMatchObject({ intact: false, firstBadSeq: 4 });
    expect(result.problem).toContain('missing');
  });

  it('names the first of two reordered records', () => {
    const records = chain(5);
    [records[1], records[2]] = [records[2] as TrailRecord, records[1] as TrailRecord];
    const result = verifyRecords(records);
    expect(result).toMatchObject({ intact: false, firstBadSeq: 2 });
    expect(result.problem).toContain('out of order');
  });

  it('names the place of a line that is not a record', () => {
    const records: StoredRecord[] = chain(3);
    records[1] = parseStoredRecord('{"seq": 2', 'line 2');
    expect(verifyRecords(records)).toMatchObject({ intact: false, firstBadSeq: 2 });
    expect(verifyRecords(records).problem).toBe(
      'record 2 in storage order (line 2) is not a trail record: not JSON',
    );
  });
});
