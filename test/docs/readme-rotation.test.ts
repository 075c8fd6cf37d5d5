import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/policy/schema.js';
import { seal } from '../../core/trail/index.js';
import { runCli } from '../support/capture-io.js';
import { seedIam } from '../support/iam-seed.js';
import { type Moto, motoAvailable, startMoto } from '../support/moto.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(
  readme.indexOf('<!-- section:rotation -->'),
  readme.indexOf('<!-- /section:rotation -->'),
);
const now = new Date('2026-06-01T12:00:00Z');

describe('README rotation section', () => {
  it('shows the timeline the default policy produces', () => {
    const { rotation } = parseConfig({}, { asOf: now });
    const deactivation = rotation.rotateAtDays + rotation.deactivateAfterDays;
    expect(section).toContain(`| ${rotation.rotateAtDays} | creates the replacement`);
    expect(section).toContain(`| ${deactivation} (replacement + ${rotation.deactivateAfterDays}) |`);
    expect(section).toContain(
      `| ${deactivation + rotation.deleteAfterDays} (deactivation + ${rotation.deleteAfterDays}) |`,
    );
  });

  it('shows a trail record with exactly the fields a record has', () => {
    const example = JSON.parse(/```json\n(.+)\n```/.exec(section)?.[1] ?? '{}');
    const record = seal(
      {
        at: now,
        account: '1',
        actor: 'a',
        action: 'key.create',
        user: 'u',
        accessKeyId: null,
        outcome: 'success',
        reason: 'r',
      },
      null,
    );
    expect(Object.keys(example)).toEqual(Object.keys(record));
  });

  describe.skipIf(!motoAvailable())('its command examples, run in order against moto', () => {
    let moto: Moto;
    let dir: string;
    beforeAll(async () => {
      moto = await startMoto();
      moto.useInThisProcess();
      await seedIam(moto, now, [
        {
          name: 'alice',
          tags: { 'keywarden:rotation': 'enabled' },
          keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }],
        },
      ]);
      dir = mkdtempSync(join(tmpdir(), 'keywarden-readme-'));
      // The lease bucket the examples name (a deployment's rotation stack, or one the operator made).
      const leaseBucket = /--lease-bucket (\S+)/.exec(section)?.[1] ?? '';
      const s3 = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true });
      await s3.send(new CreateBucketCommand({ Bucket: leaseBucket }));
      s3.destroy();
    });
    afterAll(async () => {
      rmSync(dir, { recursive: true, force: true });
      await moto?.stop();
    });

    const examples = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) =>
      (block[1] ?? '').split('\n').filter((line) => line.startsWith('keywarden ')),
    );

    it('has examples of every command', () => {
      expect(examples.map((line) => line.split(' ').slice(1, 3).join(' '))).toEqual([
        'rotate --user',
        'rotate --user',
        'doctor --user',
        'trail verify',
      ]);
    });

    it('runs each example with exit 0', async () => {
      for (const example of examples) {
        const run = await runCli(example.split(' ').slice(1), { cwd: dir, now });
        expect({ example, code: run.code }).toEqual({ example, code: 0 });
      }
    });
  });
});
