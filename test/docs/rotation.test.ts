import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/policy/schema.js';
import { seal } from '../../core/trail/index.js';
import { runCli } from '../support/capture-io.js';
import { docSection } from '../support/docs.js';
import { seedIam } from '../support/iam-seed.js';
import { type Moto, motoAvailable, startMoto } from '../support/moto.js';

const section = docSection('docs/rotation.md', 'rotation');
const trail = docSection('docs/trail.md', 'trail');
const now = new Date('2026-06-01T12:00:00Z');

describe('docs/rotation.md and docs/trail.md', () => {
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
    const example = JSON.parse(/```json\n(.+)\n```/.exec(trail)?.[1] ?? '{}');
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
    });
    afterAll(async () => {
      rmSync(dir, { recursive: true, force: true });
      await moto?.stop();
    });

    const examples = [...`${section}\n${trail}`.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) =>
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
