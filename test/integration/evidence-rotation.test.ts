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

  it('shows who used each rotated key before its replacement and until its deactivation', async () => {
    // Prepare: the scheduled rotation creates the replacement now and deactivates the old key 7 days later.
    const [old] = await bed.keys('build-bot');
    await bed.run();
    const retired = new Date(now.getTime() + 8 * DAY_MS);
    bed.setNow(retired);
    await bed.run();
    const later = new Date(retired.getTime() + DAY_MS);
    bed.setNow(later);

    // Act
    const run = await runCli(
      ['evidence', '--source', 'api', '--trail-file', bed.trailFile, '--out', 'pack-consumers'],
      { cwd: bed.dir, now: later },
    );

    // Assess
    expect(run.code).toBe(0);
    const markdown = readFileSync(join(bed.dir, 'pack-consumers', 'evidence.md'), 'utf8');
    const html = readFileSync(join(bed.dir, 'pack-consumers', 'evidence.html'), 'utf8');
    expect(markdown).toContain('## Consumers of rotated keys');
    expect(markdown).toMatch(
      new RegExp(
        `### build-bot: ${old?.id} replaced by AKIA\\w+ on 2026-06-01T12:00:\\d\\dZ, deactivated 2026-06-09T12:00:\\d\\dZ`,
      ),
    );
    // The bed's one use of the old key, a day before the rotation, by the SDK that seeded it.
    expect(markdown).toMatch(/\*\*Before:\*\* Seen using the key \w+ since 2026-05-02T12:00:\d\dZ/);
    expect(markdown).toMatch(/\| 127\.0\.0\.1 \| aws-sdk-js\/\S+ .* \| 2026-05-31T\d\d:\d\d:\d\dZ \| 1 \|/);
    expect(markdown).toMatch(
      /\*\*After:\*\* No use of the key \w+ is in CloudTrail's event history of us-east-1 since 2026-06-01T12:00:\d\dZ/,
    );
    expect(html).toContain('<section id="consumers"><h2>Consumers of rotated keys</h2>');
  });
});
