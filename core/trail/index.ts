/**
 * The Part 11 audit trail (21 CFR 11.10(e)): who did what to which key, when, and why, in a hash chain
 * kept write-once.
 *
 * API (everything else in this folder is internal):
 * - `TrailEntry` → `store.append(entry)` → `TrailRecord` `{version, seq, at, account, actor, action, user,
 *   accessKeyId, outcome, reason, prevHash, hash}`; `hash` = SHA-256 over the RFC 8785 (JCS) canonical JSON
 *   of the record without `hash` (and `signature`); the first record's prevHash is 64 zeros; seq starts at 1.
 * - Signed records (version 2, `signing.ts`): a store given a `TrailSigner` (KMS Sign over the 32 hash bytes)
 *   adds `signingKey` (hashed) and `signature`; `verifyTrail(store, {signatures})` checks each one.
 * - `TrailStore`: `append`, `read(period?)`, `examine()` (records + what the storage shows wrong), `verify()`.
 *   `JsonlTrailStore(file)` (local; an O_EXCL lock file serialises writers across processes) and
 *   `S3TrailStore({bucket, prefix, retentionDays})` (one object per seq, `If-None-Match: *`, COMPLIANCE
 *   Object Lock; reads every version and delete marker; never writes a seq that has one; a writer that
 *   loses a seq race re-reads and continues the chain).
 * - `verifyTrail(store, {anchors})`: THE verification (trail verify, evidence, doctor): the store's own
 *   breaks, the chain (`verifyRecords`), and each anchor (`parseAnchor` / `readAnchors`).
 * - `resolveTrailStore(choice, config, cwd)`: option > config `trail:` > ./keywarden-trail.jsonl;
 *   `trailSettings(config)`: the trail defaults; `withinPeriod`: the period filter.
 *
 * A trail never holds a secret: entries carry access key IDs only.
 */

export { ACCOUNT_PLACEHOLDER, accountTrailBucket } from './account-trail.js';
export { judgeTrailBucket, readTrailBucketFacts, type TrailBucketVerdict } from './bucket.js';
export { JsonlTrailStore } from './jsonl.js';
export {
  canonicalJson,
  GENESIS_HASH,
  hashInput,
  hashOf,
  isUnreadable,
  parseStoredRecord,
  SIGNED_TRAIL_VERSION,
  type StoredRecord,
  seal,
  TRAIL_ACTIONS,
  TRAIL_VERSION,
  type TrailAction,
  type TrailEntry,
  type TrailOutcome,
  type TrailRecord,
  type UnreadableRecord,
  type Verification,
  verifyRecords,
} from './record.js';
export {
  accountTrailStore,
  DEFAULT_TRAIL_FILE,
  type ResolvedTrail,
  resolveTrailStore,
  type TrailChoice,
} from './resolve.js';
export { createS3Client, type KeyHistory, listKeyHistories, S3TrailStore } from './s3.js';
export { type TrailSettings, trailSettings } from './settings.js';
export {
  kmsTrailSigner,
  parseSigningKeyArn,
  publicKeyFromKms,
  publicKeyFromPem,
  publicKeyPem,
  sealRecord,
  signatureHolds,
  TRAIL_SIGNING_ALGORITHM,
  TRAIL_SIGNING_KEY_SPEC,
  type TrailSigner,
} from './signing.js';
export {
  type AnchorCheck,
  type Period,
  type SigningCheck,
  type TrailAnchor,
  type TrailBreak,
  type TrailBreakKind,
  type TrailExamination,
  type TrailStore,
  type TrailVerification,
  withinPeriod,
} from './store.js';
export {
  judge,
  parseAnchor,
  readAnchors,
  type SignatureTrust,
  type SigningKey,
  signatureCheck,
  signingKeyOf,
  type TrailVerificationReport,
  verificationReport,
  verifyTrail,
} from './verify.js';
