import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/policy/schema.js';
import { SETTING_DEFAULTS } from '../../core/policy/settings.js';
import { S3LeaseStore } from '../../core/rotation/index.js';
import { JsonlTrailStore } from '../../core/trail/index.js';
import { runCli } from '../support/capture-io.js';
import { motoAvailable } from '../support/moto.js';
import { type RotationBed, SCOPE_TAG, useRotationSuite } from '../support/rotation-bed.js';
import { readRecords } from '../support/trail-records.js';

const GUIDE = readFileSync(new URL('../../docs/overlapping-runs.md', import.meta.url), 'utf8');
const now = new Date('2026-06-01T12:00:00Z');

/** The guide's shell examples: every `keywarden …` line of its ```sh blocks, as argv. */
function examples(): string[][] {
  const blocks = [...GUIDE.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  return blocks
    .flatMap((block) => block.split('\n'))
    .filter((line) => line.startsWith('keywarden '))
    .map((line) =>
      [...line.slice('keywarden '.length).matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? ''),
    );
}

describe('docs/overlapping-runs.md', () => {
  it('shows a rotation.lease config the schema accepts, with the schema’s defaults', () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(GUIDE)?.[1] ?? '';
    const bucket = /bucket: (\S+)/.exec(yaml)?.[1];
    const config = parseConfig({ rotation: { lease: { bucket } } }, { asOf: now });
    expect(yaml).toContain(`prefix: ${SETTING_DEFAULTS.lease.prefix}`);
    expect(yaml).toContain(`seconds: ${SETTING_DEFAULTS.lease.seconds}`);
    expect(config.rotation.lease).toEqual({ bucket, ...SETTING_DEFAULTS.lease });
  });

  describe.skipIf(!motoAvailable())('its stuck-lease procedure, run against moto', () => {
    let bed: RotationBed;
    useRotationSuite(
      now,
      [{ name: 'alice', tags: SCOPE_TAG, keys: [{ ageDays: 30, lastUsedDaysAgo: 1 }] }],
      (_m, ready) => {
        bed = ready;
      },
    );

    it('shows the held lease, releases it with a record, and the rotation then goes ahead', async () => {
      // Prepare: the guide's bucket, and a run that stopped holding alice's lease.
      const [show, release, rotate] = examples();
      expect(show?.slice(0, 2)).toEqual(['lease', 'show']);
      const bucket = show?.[show.indexOf('--lease-bucket') + 1] ?? '';
      await bed.s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const stuck = new S3LeaseStore({ bucket, prefix: 'leases/', seconds: 600, client: bed.s3 });
      await stuck.acquire('123456789012', 'alice', {
        holder: 'arn:aws:iam::123456789012:user/laptop',
        waitMs: 0,
      });
      const cli = (argv: string[]) => runCli(argv, { cwd: bed.dir, now });

      // Act
      const shown = await cli(show ?? []);
      const released = await cli(release ?? []);
      const rotated = await cli(rotate ?? []);

      // Assess
      expect(shown.code).toBe(1);
      expect(shown.stdout).toContain('alice: held by arn:aws:iam::123456789012:user/laptop');
      expect(released.code).toBe(0);
      expect(rotated.code).toBe(0);
      expect(rotated.stdout).toMatch(/^done: create AKIA/m);
      const trail = new JsonlTrailStore(join(bed.dir, 'keywarden-trail.jsonl'));
      expect((await readRecords(trail)).map((record) => record.action)).toEqual([
        'lease.release',
        'key.create',
        'secret.store',
        'notice',
      ]);
    });
  });
});
