import type { TOOL } from '../version.js';
import { type AccountEvidence, type EvidenceModel, sha256Hex } from './model.js';

export const EVIDENCE_FILES = { html: 'evidence.html', markdown: 'evidence.md' } as const;
export const SUMS_FILE = 'SHA256SUMS';
export const MANIFEST_FILE = 'manifest.json';

export interface PackFile {
  name: string;
  content: string;
}

export interface PackDigests {
  files: { name: string; bytes: number; sha256: string }[];
  /** `sha256sum` format, sorted by name: `sha256sum -c SHA256SUMS` checks every file. */
  sums: string;
  /** SHA-256 of the SHA256SUMS text: one digest that seals every file of the pack. */
  packSha256: string;
}

export function digestPack(files: readonly PackFile[]): PackDigests {
  const digested = [...files]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((file) => ({
      name: file.name,
      bytes: Buffer.byteLength(file.content),
      sha256: sha256Hex(file.content),
    }));
  const sums = digested.map((file) => `${file.sha256}  ${file.name}\n`).join('');
  return { files: digested, sums, packSha256: sha256Hex(sums) };
}

export interface Manifest {
  schemaVersion: 1;
  tool: typeof TOOL;
  /** The account, or "multiple" for a pack over several accounts, which `accounts` then lists. */
  account: string;
  /** A pack over several accounts (`keywarden evidence --accounts`): each account it has a section for. */
  accounts?: {
    account: string;
    name: string | null;
    /** The account's own trail (`--account-trail-bucket`) as verified for this pack. */
    trail?: { location: string; intact: boolean; firstBadSeq: number | null; records: number };
  }[];
  generatedAt: string;
  asOf: string;
  period: { from: string; to: string };
  config: { origin: string | null; sha256: string | null };
  trail: {
    location: string;
    intact: boolean;
    firstBadSeq: number | null;
    /**
     * The trail record that holds the pack digest; null when none was written (a broken trail). A signed
     * trail's record carries its signing key and signature, which VERIFY-SIGNATURES.md re-checks with openssl.
     */
    packRecord: { seq: number; hash: string; signingKey?: string; signature?: string } | null;
    /** The anchors (earlier packs' trail records) this pack checked, and whether the trail still held each. */
    anchors: { seq: number; hash: string; holds: boolean }[];
  };
  files: PackDigests['files'];
  /** How packSha256 is computed, for a reviewer checking it by hand. */
  packDigestOf: typeof SUMS_FILE;
  packSha256: string;
}

export function buildManifest(
  model: EvidenceModel,
  digests: PackDigests,
  packRecord: Manifest['trail']['packRecord'],
  anchors: Manifest['trail']['anchors'] = [],
): Manifest {
  const { check } = model.trail;
  return {
    schemaVersion: 1,
    tool: model.tool,
    account: model.account,
    ...(model.accounts ? { accounts: model.accounts.map(manifestAccount) } : {}),
    generatedAt: model.generatedAt.toISOString(),
    asOf: model.asOf.toISOString(),
    period: { from: model.period.from.toISOString(), to: model.period.to.toISOString() },
    config: model.config,
    trail: {
      location: model.trail.location,
      intact: check.intact,
      firstBadSeq: check.intact ? null : check.firstBadSeq,
      packRecord,
      anchors,
    },
    files: digests.files,
    packDigestOf: SUMS_FILE,
    packSha256: digests.packSha256,
  };
}

function manifestAccount({
  account,
  name,
  trail,
}: AccountEvidence): NonNullable<Manifest['accounts']>[number] {
  if (!trail) return { account, name };
  const { check } = trail;
  return {
    account,
    name,
    trail: {
      location: trail.location,
      intact: check.intact,
      firstBadSeq: check.intact ? null : check.firstBadSeq,
      records: check.records,
    },
  };
}
