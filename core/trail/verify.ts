import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { UsageError } from '../errors.js';
import { isUnreadable, type StoredRecord, type TrailRecord, verifyRecords } from './record.js';
import type {
  AnchorCheck,
  TrailAnchor,
  TrailBreak,
  TrailExamination,
  TrailStore,
  TrailVerification,
} from './store.js';

/**
 * The one verification of a trail, for `trail verify`, `evidence` and `doctor`: what the store saw beside
 * the records (S3: every version and delete marker, retention, stray keys), the hash chain over the records,
 * and each anchor. Returns the records read too, so a caller needs no second read.
 */
export async function verifyTrail(
  store: Pick<TrailStore, 'examine' | 'read'>,
  options: { anchors?: readonly TrailAnchor[] } = {},
): Promise<{ verification: TrailVerification; records: StoredRecord[] }> {
  const examined = store.examine ? await store.examine() : { records: await store.read(), breaks: [] };
  return { verification: judge(examined, options.anchors ?? []), records: examined.records };
}

/** Pure: the breaks of an examination, the chain's and the anchors', as one verdict. */
export function judge(examined: TrailExamination, anchors: readonly TrailAnchor[]): TrailVerification {
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
      }
    : { intact: true, records: records.length, firstBadSeq: null, problem: null, breaks, anchors: checks };
}

function checkAnchors(records: readonly StoredRecord[], anchors: readonly TrailAnchor[]): AnchorCheck[] {
  const bySeq = new Map<number, TrailRecord>();
  for (const record of records) {
    if (!isUnreadable(record) && !bySeq.has(record.seq)) bySeq.set(record.seq, record);
  }
  return anchors.map((anchor) => ({ ...anchor, holds: bySeq.get(anchor.seq)?.hash === anchor.hash }));
}

/**
 * A failed anchor says only that something at or before its seq changed. The records that can still be
 * relied on end at the highest anchor below it that holds; without one, nothing can be (seq 1).
 */
function anchorBreak(
  check: AnchorCheck,
  stored: readonly StoredRecord[],
  checks: readonly AnchorCheck[],
): TrailBreak {
  const provenUpTo = Math.max(0, ...checks.filter((c) => c.holds && c.seq < check.seq).map((c) => c.seq));
  const records = stored.filter((record): record is TrailRecord => !isUnreadable(record));
  const held = records.find((record) => record.seq === check.seq);
  const last = records.reduce((max, record) => Math.max(max, record.seq), 0);
  const problem = held
    ? `anchor seq ${check.seq} (${check.source}): the trail holds another record there (hash ${short(held.hash)}…, the anchor has ${short(check.hash)}…): re-sealed or replaced at or before seq ${check.seq}`
    : `anchor seq ${check.seq} (${check.source}): the trail ends at seq ${last}: truncated before the anchored record`;
  return { seq: provenUpTo + 1, kind: 'anchor', problem };
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
  const object = (value ?? {}) as { seq?: unknown; hash?: unknown; trail?: { packRecord?: unknown } };
  const isManifest = typeof object === 'object' && object.trail !== undefined && 'packRecord' in object.trail;
  if (isManifest && object.trail?.packRecord === null) {
    throw new UsageError(
      `--anchor ${source}: this evidence pack has no trail record (its trail was broken when it was made)`,
    );
  }
  const candidate = (isManifest ? object.trail?.packRecord : object) as { seq?: unknown; hash?: unknown };
  const { seq, hash } = candidate ?? {};
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
        throw new UsageError(
          `--anchor ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
      return parseAnchor(text, file);
    }),
  );
}

/** `keywarden trail verify --format json`: the machine contract (README "The audit trail" documents it). */
export interface TrailVerificationReport {
  schemaVersion: 1;
  store: string;
  intact: boolean;
  records: number;
  firstBadSeq: number | null;
  breaks: TrailBreak[];
  anchors: AnchorCheck[];
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
  };
}
