import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../core/time.js';
import { runCli } from '../support/capture-io.js';
import { motoAvailable } from '../support/moto.js';
import { LEASE_BUCKET, type RotationBed, SCOPE_TAG, useRotationSuite } from '../support/rotation-bed.js';

const now = new Date('2026-06-01T12:00:00Z');

describe.skipIf(!motoAvailable())('evidence of a real keywarden rotate (moto)', () => {
  let bed: RotationBed;
  useRotationSuite(
    now,
    [{ name: 'build-bot', tags: SCOPE_TAG, keys: [{ ageDays: 85, lastUsedDaysAgo: 1 }] }],
    (_moto, ready) => {
      bed = ready;
    },
  );

  it('shows the rotation’s trail records and carries no secret access key in any file', async () => {
    // Prepare: a manual rotation stores the new secret in Secrets Manager and writes its trail records.
    const rotated = await runCli(
      [
        'rotate',
        '--user',
        'build-bot',
        '--yes',
        '--trail-file',
        bed.trailFile,
        '--lease-bucket',
        LEASE_BUCKET,
      ],
      {
        cwd: bed.dir,
        now,
      },
    );
    const stored = await bed.storedSecret('build-bot');
    const secret = stored?.SecretAccessKey ?? '';
    const later = new Date(now.getTime() + DAY_MS);
    bed.setNow(later);

    // Act
    const run = await runCli(
      ['evidence', '--source', 'api', '--trail-file', bed.trailFile, '--out', 'pack'],
      { cwd: bed.dir, now: later },
    );

    // Assess
    expect(rotated.code).toBe(0);
    expect(secret.length).toBeGreaterThanOrEqual(40);
    expect(run.code).toBe(0);
    const pack = join(bed.dir, 'pack');
    const markdown = readFileSync(join(pack, 'evidence.md'), 'utf8');
    expect(markdown).toMatch(
      new RegExp(`\\| key\\.create \\| build-bot \\| ${stored?.AccessKeyId} \\| success \\|`),
    );
    expect(markdown).toContain('| secret.store | build-bot |');
    const everything = [
      ...readdirSync(pack).map((name) => readFileSync(join(pack, name), 'utf8')),
      readFileSync(bed.trailFile, 'utf8'),
      rotated.stdout,
      rotated.stderr,
      run.stdout,
      run.stderr,
    ].join('\n');
    expect(everything.includes(secret)).toBe(false);
  });
});
