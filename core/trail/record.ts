import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Version of the record layout; bump it (and keep verifying old versions) if a field changes. Version 1: the
 * fields of DESIGN.md. Version 2: a signed record, which adds `signingKey` (hashed) and `signature` (not
 * hashed, like `hash`). An unsigned record is still written as version 1, with the same hash input as ever,
 * so that trails written before signing existed, and unsigned ones, verify unchanged.
 */
export const TRAIL_VERSION = 1;
export const SIGNED_TRAIL_VERSION = 2;

/** prevHash of the first record of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** What was done. Every mutation of a key or its stored secret is one of these, recorded once. */
export const TRAIL_ACTIONS = [
  'key.create',
  'secret.store',
  'secret.deliver-stdout',
  'key.deactivate',
  'key.delete',
  'notice',
  // The SHA-256 of an evidence pack (keywarden evidence), so that the evidence itself is on record.
  'evidence.generated',
  // A user's rotation lease released by a person (keywarden lease release): who, whose lease, why.
  'lease.release',
] as const;
export type TrailAction = (typeof TRAIL_ACTIONS)[number];

/**
 * `success`: done now. `failure`: tried and refused by AWS (nothing changed). `recovered`: found done in
 * AWS without its record (a crash between the call and the record); written by the next run that saw it.
 */
export type TrailOutcome = 'success' | 'failure' | 'recovered';

/** What a caller supplies; the store adds version, seq, prevHash and hash. */
export interface TrailEntry {
  at: Date;
  account: string;
  /** Who acted: an ARN from STS GetCallerIdentity, or "lambda:<function>". */
  actor: string;
  action: TrailAction;
  user: string;
  /** The key concerned; null for a notice that is about the user. Never a secret. */
  accessKeyId: string | null;
  outcome: TrailOutcome;
  reason: string;
}

/** One sealed record, as stored (one JSON line in a file, one object in S3). */
export interface TrailRecord {
  version: number;
  seq: number;
  at: string;
  account: string;
  actor: string;
  action: TrailAction;
  user: string;
  accessKeyId: string | null;
  outcome: TrailOutcome;
  reason: string;
  prevHash: string;
  hash: string;
  /** Version 2: the ARN of the KMS key that signed the record (inside the hash input). */
  signingKey?: string;
  /**
   * Version 2: base64 of the DER ECDSA signature (KMS Sign, ECDSA_SHA_256, MessageType DIGEST) over the 32
   * bytes of `hash`; outside the hash input, since it is made over the hash.
   */
  signature?: string;
}

/**
 * A stored line or object that is not a trail record (not JSON, or a field missing or of the wrong kind).
 * Readers return it in its place instead of a record, so no caller can overlook it; verify names it.
 */
export interface UnreadableRecord {
  readonly unreadable: true;
  /** Where it is stored, for people: "line 7", "s3://bucket/trail/000000000007.json". */
  readonly location: string;
  /** The seq its storage place names (an S3 key), or null (a JSONL line names none). */
  readonly seq: number | null;
  /** Why it is not a record, one line. */
  readonly problem: string;
}

/** What a trail store reads at each place: a record, or what stands there instead. */
export type StoredRecord = TrailRecord | UnreadableRecord;

export const isUnreadable = (stored: StoredRecord): stored is UnreadableRecord => 'unreadable' in stored;

/**
 * The shape of a stored record, checked when it is read (the boundary). Loose: a field this version does
 * not know is kept, so the hash check covers everything stored. `signingKey` and `signature` belong to
 * version 2 (signed) records; whether they match the version is verifyRecords' judgement, not the reader's.
 */
const storedRecordSchema = z.looseObject({
  version: z.number(),
  seq: z.number(),
  at: z.string(),
  account: z.string(),
  actor: z.string(),
  action: z.enum(TRAIL_ACTIONS),
  user: z.string(),
  accessKeyId: z.string().nullable(),
  outcome: z.enum(['success', 'failure', 'recovered']),
  reason: z.string(),
  prevHash: z.string(),
  hash: z.string(),
  signingKey: z.string().optional(),
  signature: z.string().optional(),
});

/** One stored record's text → the record, or an UnreadableRecord saying where and why. */
export function parseStoredRecord(text: string, location: string, seq: number | null = null): StoredRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { unreadable: true, location, seq, problem: 'not JSON' };
  }
  const parsed = storedRecordSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || 'the record';
  return { unreadable: true, location, seq, problem: `${field}: ${issue?.message ?? 'not a trail record'}` };
}

/**
 * JSON with keys sorted (by UTF-16 code units) at every level and no whitespace: RFC 8785 (JCS) for every
 * value a record holds (strings, finite numbers, null), as test/core/trail/jcs.test.ts proves against a JCS
 * library. So the same record always hashes the same, and any JCS tool re-checks it.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * A lone UTF-16 surrogate has no RFC 8785 form (JCS libraries refuse it): it is sealed as U+FFFD, so every
 * record a store writes can be re-hashed by any JCS implementation. (With the `u` flag the class matches only
 * unpaired halves.)
 */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDFFF]/gu, '\uFFFD');
}

/** What `hash` is taken over: the canonical JSON of the record without `hash` and `signature`. */
export function hashInput(record: Omit<TrailRecord, 'hash'> | TrailRecord): string {
  const { hash: _hash, signature: _signature, ...sealed } = { hash: '', ...record };
  return canonicalJson(sealed);
}

/** SHA-256 (hex) over the canonical JSON of the record without its `hash` (and `signature`). */
export function hashOf(record: Omit<TrailRecord, 'hash'> | TrailRecord): string {
  return createHash('sha256').update(hashInput(record)).digest('hex');
}

/**
 * Seals an entry as the record after `previous` (or the first record when there is none). `seq` is the next
 * one unless a store must skip seqs it may never write (an S3 key that already holds a delete marker).
 */
export function seal(
  entry: TrailEntry,
  previous: TrailRecord | null,
  seq: number = previous ? previous.seq + 1 : 1,
  signingKey?: string,
): TrailRecord {
  const unsealed: Omit<TrailRecord, 'hash'> = {
    version: signingKey === undefined ? TRAIL_VERSION : SIGNED_TRAIL_VERSION,
    seq,
    at: entry.at.toISOString(),
    account: wellFormed(entry.account),
    actor: wellFormed(entry.actor),
    action: entry.action,
    user: wellFormed(entry.user),
    accessKeyId: entry.accessKeyId === null ? null : wellFormed(entry.accessKeyId),
    outcome: entry.outcome,
    reason: wellFormed(entry.reason),
    prevHash: previous ? previous.hash : GENESIS_HASH,
    ...(signingKey === undefined ? {} : { signingKey }),
  };
  return { ...unsealed, hash: hashOf(unsealed) };
}

export interface Verification {
  intact: boolean;
  records: number;
  /** The first seq that does not hold (edited, missing, out of order); null when intact. */
  firstBadSeq: number | null;
  /** One line on what is wrong at firstBadSeq. */
  problem: string | null;
}

/**
 * Recomputes the chain in stored order. An edited record fails its own hash; a deleted record leaves a gap
 * in seq and a prevHash that does not match; a reordered record breaks seq order. The first bad seq is the
 * seq the chain expected at that place (for a deletion: the missing one).
 */
export function verifyRecords(records: readonly StoredRecord[]): Verification {
  let previous: TrailRecord | null = null;
  for (const [index, record] of records.entries()) {
    const expectedSeq = previous ? previous.seq + 1 : 1;
    const fail = (seq: number, problem: string): Verification => ({
      intact: false,
      records: records.length,
      firstBadSeq: seq,
      problem,
    });
    if (isUnreadable(record)) {
      return fail(
        expectedSeq,
        `record ${index + 1} in storage order (${record.location}) is not a trail record: ${record.problem}`,
      );
    }
    if (record.seq !== expectedSeq) {
      const storedLater = records.slice(index + 1).some((later) => later.seq === expectedSeq);
      return fail(
        Math.min(expectedSeq, record.seq),
        record.seq < expectedSeq || storedLater
          ? `seq ${Math.min(expectedSeq, record.seq)} is out of order (found seq ${record.seq} where seq ${expectedSeq} belongs)`
          : `seq ${expectedSeq} is missing (the next stored record is seq ${record.seq})`,
      );
    }
    if (record.version !== TRAIL_VERSION && record.version !== SIGNED_TRAIL_VERSION) {
      return fail(record.seq, `seq ${record.seq} has unknown version ${String(record.version)}`);
    }
    const signed = record.signingKey !== undefined || record.signature !== undefined;
    if (signed !== (record.version === SIGNED_TRAIL_VERSION)) {
      return fail(
        record.seq,
        signed
          ? `seq ${record.seq} carries a signature but is version ${record.version} (signed records are version ${SIGNED_TRAIL_VERSION})`
          : `seq ${record.seq} is version ${SIGNED_TRAIL_VERSION} (signed) but carries no signing key`,
      );
    }
    if (record.hash !== hashOf(record)) {
      return fail(record.seq, `seq ${record.seq} was altered (its hash does not match its content)`);
    }
    const expectedPrev = previous ? previous.hash : GENESIS_HASH;
    if (record.prevHash !== expectedPrev) {
      return fail(record.seq, `seq ${record.seq} does not seal the record before it (prevHash differs)`);
    }
    previous = record;
  }
  return { intact: true, records: records.length, firstBadSeq: null, problem: null };
}
