/**
 * An evidence pack of a signed trail carries the signing key's public half, the period's records as stored and
 * a recipe; the recipe's commands, run as written in the pack's directory with openssl, jq and xxd, verify a
 * record's signature and the pack's own record's, and refuse a forged one. Against moto's KMS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_FILES } from '../../../core/evidence/model.js';
import { PACK_RECORD_RECIPE_COMMANDS, SIGNATURE_RECIPE_COMMANDS } from '../../../core/evidence/signatures.js';
import { kmsTrailSigner } from '../../../core/trail/index.js';
import {
  fixtureTrailRecords,
  runFixtureEvidence,
  writeFixtureTrail,
} from '../../support/evidence-fixture.js';
import { type Moto, motoAvailable, startMoto } from '../../support/moto.js';

const bash = (script: string, cwd: string) =>
  execFileSync('bash', ['-euo', 'pipefail', '-c', script], { cwd, encoding: 'utf8', stdio: 'pipe' });

describe.skipIf(!motoAvailable())('the evidence pack of a signed trail', () => {
  let moto: Moto;
  let dir: string;
  let keyArn: string;
  let pack: string;
  let run: Awaited<ReturnType<typeof runFixtureEvidence>>;

  beforeAll(async () => {
    moto = await startMoto();
    moto.useInThisProcess();
    const kms = new KMSClient({ region: 'us-east-1' });
    const created = await kms.send(
      new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
    );
    kms.destroy();
    keyArn = created.KeyMetadata?.Arn ?? '';
    dir = mkdtempSync(join(tmpdir(), 'keywarden-signed-pack-'));
    const trail = join(dir, 'trail.jsonl');
    await writeFixtureTrail(trail, fixtureTrailRecords(), kmsTrailSigner(keyArn));
    run = await runFixtureEvidence(
      ['--trail-file', trail, '--from', '2026-09-01'],
      ['--output', 'pack', '--trail-signing-key', keyArn],
      { cwd: dir, env: moto.env },
    );
    pack = join(dir, 'pack');
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ships the public key, the period records and the recipe, sealed in SHA256SUMS', () => {
    expect(run.code).toBe(0);
    expect(readdirSync(pack).sort()).toEqual(
      [
        'SHA256SUMS',
        'evidence.html',
        'evidence.md',
        'manifest.json',
        SIGNATURE_FILES.publicKey,
        SIGNATURE_FILES.records,
        SIGNATURE_FILES.recipe,
      ].sort(),
    );
    expect(bash('sha256sum -c SHA256SUMS', pack)).toContain(`${SIGNATURE_FILES.publicKey}: OK`);
    expect(readFileSync(join(pack, SIGNATURE_FILES.recipe), 'utf8')).toContain(SIGNATURE_RECIPE_COMMANDS);
    expect(readFileSync(join(pack, 'evidence.md'), 'utf8')).toContain(
      `each with a verified signature of KMS key ${keyArn}`,
    );
  });

  it("carries the pack's own record's signature in the manifest", () => {
    const manifest = JSON.parse(readFileSync(join(pack, 'manifest.json'), 'utf8'));
    const last = readFileSync(join(dir, 'trail.jsonl'), 'utf8').trim().split('\n').at(-1) ?? '';

    expect(manifest.trail.packRecord).toEqual({
      seq: 6,
      hash: JSON.parse(last).hash,
      signingKey: keyArn,
      signature: JSON.parse(last).signature,
    });
  });

  it('lets openssl verify a record and the pack record with the recipe as written', () => {
    expect(bash(SIGNATURE_RECIPE_COMMANDS, pack)).toBe('Signature Verified Successfully\n');
    expect(bash(PACK_RECORD_RECIPE_COMMANDS, pack)).toBe('Signature Verified Successfully\n');
  });

  it('makes the recipe fail for a record whose hash was changed', () => {
    // Prepare
    const work = mkdtempSync(join(dir, 'forged-'));
    for (const name of [SIGNATURE_FILES.publicKey, SIGNATURE_FILES.records]) {
      writeFileSync(join(work, name), readFileSync(join(pack, name)));
    }
    const records = readFileSync(join(work, SIGNATURE_FILES.records), 'utf8').trim().split('\n');
    const forged = JSON.parse(records.at(-1) ?? '{}');
    forged.hash = `${forged.hash.slice(0, 63)}${forged.hash.endsWith('0') ? '1' : '0'}`;
    writeFileSync(join(work, SIGNATURE_FILES.records), `${JSON.stringify(forged)}\n`);

    // Act
    let output = '';
    try {
      output = bash(SIGNATURE_RECIPE_COMMANDS, work);
    } catch (err) {
      output = err instanceof Error && 'stdout' in err ? String(err.stdout) : 'no output';
    }

    // Assess
    expect(output).toBe('Signature Verification Failure\n');
  });
});
