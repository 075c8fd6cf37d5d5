/**
 * Signed trail records against moto's KMS (Sign, GetPublicKey with ECC_NIST_P256): every record a signing store
 * writes verifies; a forged append (unsigned, signed by another key, or with a signature that does not hold) is
 * named by seq without an anchor; unsigned records written before signing stay valid, hashed as ever; openssl
 * re-checks a signature with the public key alone.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../core/errors.js';
import {
  JsonlTrailStore,
  kmsTrailSigner,
  publicKeyFromKms,
  publicKeyPem,
  S3TrailStore,
  SIGNED_TRAIL_VERSION,
  seal,
  type TrailEntry,
  type TrailRecord,
  verifyTrail,
} from '../../../core/trail/index.js';
import { runCli } from '../../support/capture-io.js';
import { type Moto, motoAvailable, startMoto } from '../../support/moto.js';

const now = new Date('2026-06-01T12:00:00Z');
const entry = (user: string, action: TrailEntry['action'] = 'key.create'): TrailEntry => ({
  at: now,
  account: '123456789012',
  actor: 'arn:aws:iam::123456789012:user/ops',
  action,
  user,
  accessKeyId: 'AKIAEXAMPLE000000001',
  outcome: 'success',
  reason: 'key age 81 days reached rotateAtDays 80',
});

/** Two records sealed by keywarden before signed records existed (5727763), byte for byte. */
const UNSIGNED_BEFORE_SIGNING = [
  '{"version":1,"seq":1,"at":"2026-06-01T12:00:00.000Z","account":"123456789012","actor":"arn:aws:iam::123456789012:user/ops","action":"key.create","user":"alice","accessKeyId":"AKIAEXAMPLE000000001","outcome":"success","reason":"key age 81 days reached rotateAtDays 80","prevHash":"0000000000000000000000000000000000000000000000000000000000000000","hash":"29d4764964215caaad902143278ea5ba31582302b2a7ab6a3866baf0e464d2e8"}',
  '{"version":1,"seq":2,"at":"2026-06-01T12:00:00.000Z","account":"123456789012","actor":"arn:aws:iam::123456789012:user/ops","action":"secret.store","user":"alice","accessKeyId":"AKIAEXAMPLE000000001","outcome":"success","reason":"stored","prevHash":"29d4764964215caaad902143278ea5ba31582302b2a7ab6a3866baf0e464d2e8","hash":"c5de16969164fe85bdb73d0bd5aba744eace61145ce7fb5ab371d140da584d89"}',
];

const lines = (file: string): TrailRecord[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

describe('unsigned records', () => {
  it('are sealed exactly as before signing existed: version 1, the same hash input', () => {
    const first = seal(entry('alice'), null);
    const second = seal({ ...entry('alice', 'secret.store'), reason: 'stored' }, first);

    expect([JSON.stringify(first), JSON.stringify(second)]).toEqual(UNSIGNED_BEFORE_SIGNING);
  });
});

describe.skipIf(!motoAvailable())('signed trail records against moto KMS', () => {
  let moto: Moto;
  let kms: KMSClient;
  let dir: string;
  let keyArn: string;
  let otherKeyArn: string;
  let file: string;
  let n = 0;

  const signingKey = async () => {
    const created = await kms.send(
      new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: 'trail' }),
    );
    return created.KeyMetadata?.Arn ?? '';
  };
  const freshFile = () => join(dir, `trail-${++n}.jsonl`);
  const signedStore = (path: string, arn = keyArn) =>
    new JsonlTrailStore(path, { signer: kmsTrailSigner(arn, { env: moto.env }) });
  /** What a forger who can write the file appends: a record sealed after the last, naming `named`, signed with `signWith`. */
  const forgeAppend = async (path: string, named: string, signWith: string) => {
    const [last] = lines(path).slice(-1);
    const record = seal(entry('mallory'), last ?? null, undefined, named);
    const signature = await kmsTrailSigner(signWith, { env: moto.env }).sign(Buffer.from(record.hash, 'hex'));
    appendFileSync(
      path,
      `${JSON.stringify({ ...record, signature: Buffer.from(signature).toString('base64') })}\n`,
    );
  };
  const verify = (path: string, keyArnTrusted?: string) =>
    verifyTrail(new JsonlTrailStore(path), {
      signatures: {
        keyArn: keyArnTrusted,
        fetchPublicKey: (arn) => publicKeyFromKms(arn, { env: moto.env }),
      },
    });

  beforeAll(async () => {
    moto = await startMoto();
    moto.useInThisProcess();
    kms = new KMSClient({ region: 'us-east-1', endpoint: moto.endpoint, maxAttempts: 2 });
    dir = mkdtempSync(join(tmpdir(), 'keywarden-signed-'));
    keyArn = await signingKey();
    otherKeyArn = await signingKey();
  });
  afterAll(async () => {
    kms?.destroy();
    await moto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs every record: version 2, signingKey hashed, a signature that verifies', async () => {
    // Prepare
    file = freshFile();
    const store = signedStore(file);

    // Act
    for (const user of ['alice', 'bob', 'carol']) await store.append(entry(user));
    const { verification } = await verify(file, keyArn);

    // Assess
    const records = lines(file);
    expect(records.map((r) => [r.version, r.signingKey])).toEqual([
      [SIGNED_TRAIL_VERSION, keyArn],
      [SIGNED_TRAIL_VERSION, keyArn],
      [SIGNED_TRAIL_VERSION, keyArn],
    ]);
    expect(records.every((r) => /^[A-Za-z0-9+/]+=*$/.test(r.signature ?? ''))).toBe(true);
    expect(verification).toMatchObject({
      intact: true,
      records: 3,
      signing: { keyArn, pinned: true, firstSignedSeq: 1, signedRecords: 3 },
    });
  });

  it('keeps records written before signing began valid, and checks every one after', async () => {
    // Prepare
    const path = freshFile();
    writeFileSync(path, `${UNSIGNED_BEFORE_SIGNING.join('\n')}\n`);

    // Act
    await signedStore(path).append(entry('dave'));
    const { verification } = await verify(path, keyArn);

    // Assess
    expect(verification).toMatchObject({ intact: true, records: 3, signing: { firstSignedSeq: 3 } });
  });

  it('names an unsigned record appended after signing began, though its chain is sealed', async () => {
    // Prepare: a forger with write access to the file seals a record after the last one
    const path = freshFile();
    await signedStore(path).append(entry('alice'));
    const [last] = lines(path).slice(-1);
    appendFileSync(path, `${JSON.stringify(seal(entry('mallory'), last ?? null))}\n`);

    // Act
    const { verification } = await verify(path, keyArn);

    // Assess
    expect(verification.intact).toBe(false);
    expect(verification.breaks).toEqual([
      { seq: 2, kind: 'signature', problem: 'seq 2: unsigned, but the trail is signed from seq 1' },
    ]);
  });

  it('names a record signed by another key (a forger with a key of their own)', async () => {
    // Prepare
    const path = freshFile();
    await signedStore(path).append(entry('alice'));
    await forgeAppend(path, otherKeyArn, otherKeyArn);

    // Act
    const { verification } = await verify(path, keyArn);

    // Assess
    expect(verification.breaks).toEqual([
      {
        seq: 2,
        kind: 'signature',
        problem: `seq 2: signed by another key (${otherKeyArn}); the trail's key is ${keyArn}`,
      },
    ]);
  });

  it("names a record that names the trail's key but carries another key's signature", async () => {
    // Prepare
    const path = freshFile();
    await signedStore(path).append(entry('alice'));
    await forgeAppend(path, keyArn, otherKeyArn);

    // Act
    const { verification } = await verify(path, keyArn);

    // Assess
    expect(verification.breaks).toEqual([
      {
        seq: 2,
        kind: 'signature',
        problem: `seq 2: its signature does not verify with the public key of ${keyArn}`,
      },
    ]);
  });

  it('names a whole trail signed by another key than the one required', async () => {
    // Prepare
    const path = freshFile();
    await signedStore(path, otherKeyArn).append(entry('alice'));

    // Act
    const pinned = await verify(path, keyArn);
    const unpinned = await verify(path);

    // Assess
    expect(pinned.verification.firstBadSeq).toBe(1);
    expect(pinned.verification.problem).toContain('signed by another key');
    expect(unpinned.verification).toMatchObject({
      intact: true,
      signing: { keyArn: otherKeyArn, pinned: false },
    });
  });

  it('refuses to append unsigned, or with another key, to a signed trail, writing nothing', async () => {
    // Prepare
    const path = freshFile();
    await signedStore(path).append(entry('alice'));
    const before = readFileSync(path, 'utf8');

    // Act
    const unsigned = new JsonlTrailStore(path).append(entry('bob'));
    const other = signedStore(path, otherKeyArn).append(entry('bob'));

    // Assess
    await expect(unsigned).rejects.toThrow(UsageError);
    await expect(unsigned).rejects.toThrow(`the trail is signed (seq 1 by ${keyArn})`);
    await expect(other).rejects.toThrow(`the trail is signed by ${keyArn} (seq 1), not by ${otherKeyArn}`);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('writes nothing when KMS refuses to sign', async () => {
    // Prepare
    const path = freshFile();
    const missing = keyArn.replace(/key\/.*/, 'key/00000000-0000-0000-0000-000000000000');

    // Act
    const append = signedStore(path, missing).append(entry('alice'));

    // Assess
    await expect(append).rejects.toThrow(`cannot sign the trail record with ${missing}`);
    expect(() => readFileSync(path)).toThrow();
  });

  it('signs an S3 trail too, and verify checks it over every version', async () => {
    // Prepare
    const s3 = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'signed-trail', ObjectLockEnabledForBucket: true }));
    const store = new S3TrailStore({
      bucket: 'signed-trail',
      prefix: 'trail/',
      retentionDays: 1,
      client: s3,
      signer: kmsTrailSigner(keyArn, { env: moto.env }),
    });

    // Act
    await store.append(entry('alice'));
    await store.append(entry('bob'));
    const { verification } = await verifyTrail(store, {
      signatures: { keyArn, fetchPublicKey: (arn) => publicKeyFromKms(arn, { env: moto.env }) },
    });

    // Assess
    expect(verification).toMatchObject({ intact: true, signing: { signedRecords: 2 } });
    s3.destroy();
  });

  it('lets openssl re-check a signature with the public key alone', async () => {
    // Prepare
    const work = mkdtempSync(join(dir, 'openssl-'));
    writeFileSync(join(work, 'pub.pem'), publicKeyPem(await publicKeyFromKms(keyArn, { env: moto.env })));
    const [record] = lines(file);
    writeFileSync(join(work, 'digest.bin'), Buffer.from(record?.hash ?? '', 'hex'));
    writeFileSync(join(work, 'sig.der'), Buffer.from(record?.signature ?? '', 'base64'));

    // Act
    const run = (digest: string) =>
      execFileSync(
        'openssl',
        ['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-in', digest, '-sigfile', 'sig.der'],
        { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
    writeFileSync(join(work, 'other.bin'), Buffer.alloc(32, 7));

    // Assess
    expect(run('digest.bin')).toContain('Signature Verified Successfully');
    expect(() => run('other.bin')).toThrow();
  });

  it('trail verify checks the signatures online, or offline with --public-key, and names a forged append', async () => {
    // Prepare
    const pem = join(dir, 'trail-key.pem');
    writeFileSync(pem, publicKeyPem(await publicKeyFromKms(keyArn, { env: moto.env })));
    const cli = (args: string[]) => runCli(['trail', 'verify', ...args], { cwd: dir, now, env: moto.env });

    // Act
    const online = await cli(['--trail-file', file, '--trail-signing-key', keyArn]);
    const offline = await cli(['--trail-file', file, '--public-key', pem, '--format', 'json']);
    const [last] = lines(file).slice(-1);
    appendFileSync(file, `${JSON.stringify(seal(entry('mallory'), last ?? null))}\n`);
    const forged = await cli(['--trail-file', file, '--public-key', pem]);
    const alias = await cli(['--trail-file', file, '--trail-signing-key', 'alias/keywarden-trail']);

    // Assess
    expect(online).toMatchObject({ code: 0, stderr: '' });
    expect(online.stdout).toBe(`trail intact: 3 records in file ${file}; signed from seq 1 by ${keyArn}\n`);
    expect(offline.code).toBe(0);
    expect(JSON.parse(offline.stdout).signing).toEqual({
      keyArn,
      pinned: true,
      firstSignedSeq: 1,
      signedRecords: 3,
    });
    expect(forged).toMatchObject({ code: 1 });
    expect(forged.stdout).toBe(
      `trail broken at seq 4: seq 4: unsigned, but the trail is signed from seq 1 (file ${file})\n`,
    );
    expect(alias.code).toBe(2);
    expect(alias.stderr).toContain('--trail-signing-key: "alias/keywarden-trail" is not a KMS key ARN');
  });
});
