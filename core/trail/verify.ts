import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { errorCode, UsageError } from '../errors.js';
import { isUnreadable, type StoredRecord, type TrailRecord, verifyRecords } from './record.js';
import { publicKeyFromKms, signatureHolds } from './signing.js';
import type {
  AnchorCheck,
  SigningCheck,
  TrailAnchor,
  TrailBreak,
  TrailExamination,
  TrailStore,
  TrailVerification,
} from './store.js';

/** What a signed trail's signatures are checked against (README "Signed records", docs/signed-trail.md). */
export interface SignatureTrust {
  /** The key the trail must be signed by (`--trail-signing-key`, `trail.signingKey`); else its first signed record's. */
  keyArn?: string | undefined;
  /** That key's public half (`--public-key FILE.pem`, offline); else read once from KMS (`GetPublicKey`). */
  publicKey?: KeyObject | undefined;
  /** How the public half is read when none is given; KMS GetPublicKey in the key's region by default. */
  fetchPublicKey?: ((keyArn: string) => Promise<KeyObject>) | undefined;
}

/** The key a trail's signatures are judged with, resolved once. */
export interface SigningKey {
  keyArn: string;
  publicKey: KeyObject;
  pinned: boolean;
}

/**
 * The one verification of a trail, for `trail verify`, `evidence` and `doctor`: what the store saw beside
 * the records (S3: every version and delete marker, retention, stray keys), the hash chain over the records,
 * and each anchor. Returns the records read too, so a caller needs no second read.
 */
export async function verifyTrail(
  store: Pick<TrailStore, 'examine' | 'read'>,
  options: { anchors?: readonly TrailAnchor[]; signatures?: SignatureTrust } = {},
): Promise<{ verification: TrailVerification; records: StoredRecord[]; signing: SigningKey | null }> {
  const examined = store.examine ? await store.examine() : { records: await store.read(), breaks: [] };
  const signing = await signingKeyOf(examined.records, options.signatures ?? {});
  return {
    verification: judge(examined, options.anchors ?? [], signing),
    records: examined.records,
    signing,
  };
}

/**
 * The key the signatures are checked with: the trusted one, else the one the first signed record names; its
 * public half given, else read once. Null when no record is signed (nothing to check, nothing read).
 */
export async function signingKeyOf(
  records: readonly StoredRecord[],
  trust: SignatureTrust,
): Promise<SigningKey | null> {
  const firstKey = records
    .map((record) => (isUnreadable(record) ? undefined : record.signingKey))
    .find((key) => key !== undefined);
  if (firstKey === undefined) return null;
  const keyArn = trust.keyArn ?? firstKey;
  const publicKey =
    trust.publicKey ?? (await (trust.fetchPublicKey ?? ((arn) => publicKeyFromKms(arn)))(keyArn));
  return { keyArn, publicKey, pinned: trust.keyArn !== undefined || trust.publicKey !== undefined };
}

/**
 * The first record, from the first signed one on, that is unsigned, signed by another key, or whose signature
 * does not hold; records before signing began are valid unsigned (they predate it). A forged append is caught
 * here without an anchor: it cannot carry a signature of the trail's key.
 */
export function signatureCheck(
  records: readonly StoredRecord[],
  signing: SigningKey,
): { check: SigningCheck; broken: TrailBreak | null } {
  let firstSignedSeq: number | null = null;
  let signedRecords = 0;
  let broken: TrailBreak | null = null;
  const fail = (seq: number, problem: string) => {
    broken ??= { seq, kind: 'signature', problem: `seq ${seq}: ${problem}` };
  };
  for (const record of records) {
    if (isUnreadable(record)) continue;
    if (record.signingKey === undefined) {
      if (firstSignedSeq !== null)
        fail(record.seq, `unsigned, but the trail is signed from seq ${firstSignedSeq}`);
      continue;
    }
    firstSignedSeq ??= record.seq;
    signedRecords += 1;
    if (record.signingKey !== signing.keyArn) {
      fail(record.seq, `signed by another key (${record.signingKey}); the trail's key is ${signing.keyArn}`);
    } else if (record.signature === undefined) {
      fail(record.seq, `names signing key ${record.signingKey} but carries no signature`);
    } else if (!signatureHolds(record, signing.publicKey)) {
      fail(record.seq, `its signature does not verify with the public key of ${signing.keyArn}`);
    }
  }
  return {
    check: {
      keyArn: signing.keyArn,
      pinned: signing.pinned,
      firstSignedSeq: firstSignedSeq ?? 0,
      signedRecords,
    },
    broken,
  };
}

/** Pure: the breaks of an examination, the chain's, the signatures' and the anchors', as one verdict. */
export function judge(
  examined: TrailExamination,
  anchors: readonly TrailAnchor[],
  signing: SigningKey | null = null,
): TrailVerification {
  const { records } = examined;
  const chain = verifyRecords(records);
  const breaks = [...examined.breaks];
  if (!chain.intact && chain.firstBadSeq !== null) {
    breaks.push({
      seq: chain.firstBadSeq,
      kind: 'chain',
      problem: chain.problem ?? 'the chain does not verify',
    });
  }
  const signatures = signing ? signatureCheck(records, signing) : null;
  if (signatures?.broken) breaks.push(signatures.broken);
  const checks = checkAnchors(records, anchors);
  for (const check of checks) {
    if (!check.holds) breaks.push(anchorBreak(check, records, checks));
  }
  breaks.sort((a, b) => a.seq - b.seq);
  const first = breaks[0];
  return first
    ? {
        intact: false,
        records: records.length,
        firstBadSeq: first.seq,
        problem: breaks.map((found) => found.problem).join('; '),
        breaks,
        anchors: checks,
        signing: signatures?.check ?? null,
      }
    : {
        intact: true,
        records: records.length,
        firstBadSeq: null,
        problem: null,
        breaks,
        anchors: checks,
        signing: signatures?.check ?? null,
      };
}

function checkAnchors(records: readonly StoredRecord[], anchors: readonly TrailAnchor[]): AnchorCheck[] {
  const bySeq = new Map<number, TrailRecord>();
  for (const record of records) {
    if (!isUnreadable(record) && !bySeq.has(record.seq)) bySeq.set(record.seq, record);
  }
  return anchors.map((anchor) => ({ ...anchor, holds: bySeq.get(anchor.seq)?.hash === anchor.hash }));
}

/**
 * A failed anchor. When the trail still holds a record at the anchor's seq, a different one, the records were
 * re-sealed or replaced at or before it: those that can be relied on end at the highest anchor below it that
 * holds (without one, nothing can be: seq 1). When the trail ends before the anchor's seq, the records after its
 * last one are missing: the first missing seq is named, and the problem says that the records before it chain but
 * that no anchor vouches for them (as for any trail without anchors, a removal re-sealed after would look the same).
 */
function anchorBreak(
  check: AnchorCheck,
  stored: readonly StoredRecord[],
  checks: readonly AnchorCheck[],
): TrailBreak {
  const provenUpTo = Math.max(0, ...checks.filter((c) => c.holds && c.seq < check.seq).map((c) => c.seq));
  const records = stored.filter((record): record is TrailRecord => !isUnreadable(record));
  const held = records.find((record) => record.seq === check.seq);
  if (held) {
    return {
      seq: provenUpTo + 1,
      kind: 'anchor',
      problem: `anchor seq ${check.seq} (${check.source}): the trail holds another record there (hash ${short(held.hash)}…, the anchor has ${short(check.hash)}…): re-sealed or replaced at or before seq ${check.seq}`,
    };
  }
  const last = records.reduce((max, record) => Math.max(max, record.seq), 0);
  const firstMissing = Math.max(last, provenUpTo) + 1;
  const missing =
    firstMissing === check.seq
      ? `seq ${check.seq} is missing`
      : `seq ${firstMissing} to ${check.seq} are missing`;
  const vouched =
    last === 0
      ? ''
      : provenUpTo >= last
        ? `; seq 1 to ${last} are vouched for by an anchor`
        : `; seq ${provenUpTo + 1} to ${last} still chain, but no anchor vouches for them`;
  return {
    seq: firstMissing,
    kind: 'anchor',
    problem: `anchor seq ${check.seq} (${check.source}): ${missing}: the trail ends at seq ${last}, truncated before the anchored record${vouched}`,
  };
}

const short = (hash: unknown) => String(hash).slice(0, 12);

const HASH = /^[0-9a-f]{64}$/;

/**
 * An anchor from a file's text: an evidence pack's `manifest.json` (its `trail.packRecord`) or a plain
 * `{"seq": N, "hash": "…"}`. Throws a UsageError naming the file and what is wrong.
 */
export function parseAnchor(text: string, source: string): TrailAnchor {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(
      `--anchor ${source}: not JSON (give an evidence manifest.json or {"seq": N, "hash": "…"})`,
    );
  }
  // An evidence manifest names its pack record under trail.packRecord; else the text is the anchor itself.
  const trail = typeof value === 'object' && value !== null && 'trail' in value ? value.trail : undefined;
  const manifest = typeof trail === 'object' && trail !== null && 'packRecord' in trail ? trail : undefined;
  if (manifest && manifest.packRecord === null) {
    throw new UsageError(
      `--anchor ${source}: this evidence pack has no trail record (its trail was broken when it was made)`,
    );
  }
  const candidate = manifest ? manifest.packRecord : value;
  const anchor = typeof candidate === 'object' && candidate !== null ? candidate : {};
  const seq = 'seq' in anchor ? anchor.seq : undefined;
  const hash = 'hash' in anchor ? anchor.hash : undefined;
  if (
    typeof seq !== 'number' ||
    !Number.isInteger(seq) ||
    seq < 1 ||
    typeof hash !== 'string' ||
    !HASH.test(hash)
  ) {
    throw new UsageError(
      `--anchor ${source}: needs a positive integer "seq" and a 64-hex-digit "hash" (an evidence manifest.json or {"seq": N, "hash": "…"})`,
    );
  }
  return { seq, hash, source };
}

/** Reads the anchors named by `--anchor` (paths relative to `cwd`). */
export async function readAnchors(files: readonly string[], cwd: string): Promise<TrailAnchor[]> {
  return Promise.all(
    files.map(async (file) => {
      let text: string;
      try {
        text = await readFile(isAbsolute(file) ? file : join(cwd, file), 'utf8');
      } catch (err) {
        throw new UsageError(`--anchor ${file}: cannot read it (${errorCode(err) ?? 'error'})`);
      }
      return parseAnchor(text, file);
    }),
  );
}

/** `keywarden trail verify --format json`: the machine contract (docs/trail.md documents it). */
export interface TrailVerificationReport {
  schemaVersion: 1;
  store: string;
  intact: boolean;
  records: number;
  firstBadSeq: number | null;
  breaks: TrailBreak[];
  anchors: AnchorCheck[];
  /** The key the signatures were checked against; null for a trail without a signed record. */
  signing: SigningCheck | null;
}

export function verificationReport(store: string, verification: TrailVerification): TrailVerificationReport {
  return {
    schemaVersion: 1,
    store,
    intact: verification.intact,
    records: verification.records,
    firstBadSeq: verification.firstBadSeq,
    breaks: verification.breaks,
    anchors: verification.anchors,
    signing: verification.signing,
  };
}
