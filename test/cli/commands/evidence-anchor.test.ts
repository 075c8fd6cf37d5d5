import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runFixtureEvidence, writeFixtureTrail } from '../../support/evidence-fixture.js';

describe('keywarden evidence --anchor', () => {
  let dir: string;
  let trail: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keywarden-evidence-anchor-'));
    trail = join(dir, 'trail.jsonl');
    await writeFixtureTrail(trail);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const evidence = (...extra: string[]) =>
    runFixtureEvidence(['--trail-file', trail, '--from', '2026-09-01'], extra, { cwd: dir });
  const trailLines = () => readFileSync(trail, 'utf8').trim().split('\n');
  const manifestOf = (pack: string) => JSON.parse(readFileSync(join(dir, pack, 'manifest.json'), 'utf8'));

  it('checks the earlier pack’s record and carries the anchor into the new manifest', async () => {
    // Prepare: the first pack's record is seq 6.
    expect((await evidence('--out', 'first')).code).toBe(0);
    const first = manifestOf('first');

    // Act
    const run = await evidence('--anchor', 'first/manifest.json', '--out', 'second');

    // Assess
    expect(run.code).toBe(0);
    expect(manifestOf('second').trail).toMatchObject({
      intact: true,
      packRecord: { seq: 7 },
      anchors: [{ seq: 6, hash: first.trail.packRecord.hash, holds: true }],
    });
    const shown = `Anchors from earlier evidence packs: seq 6 (hash ${first.trail.packRecord.hash.slice(0, 12)}…) holds.`;
    expect(readFileSync(join(dir, 'second', 'evidence.html'), 'utf8')).toContain(shown);
    // Markdown escapes the punctuation; the words and the hash stay.
    const markdown = readFileSync(join(dir, 'second', 'evidence.md'), 'utf8');
    expect(markdown).toMatch(/Anchors from earlier evidence packs: seq 6 \\?\(hash [0-9a-f]{12}…\\?\) holds/);
  });

  it('does not exit 0 nor reuse the seq when the trail was cut before the earlier pack’s record', async () => {
    // Prepare: pack one is recorded at seq 6, then the trail is cut back to seq 5.
    expect((await evidence('--out', 'first')).code).toBe(0);
    writeFileSync(trail, `${trailLines().slice(0, 5).join('\n')}\n`);
    const cut = readFileSync(trail);

    // Act
    const run = await evidence('--anchor', 'first/manifest.json', '--out', 'second');

    // Assess: the pack says the trail is broken; nothing is appended, so seq 6 is not written again.
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the trail is BROKEN at seq 6');
    expect(run.stderr).toContain(
      'anchor seq 6 (first/manifest.json): seq 6 is missing: the trail ends at seq 5',
    );
    expect(readFileSync(trail).equals(cut)).toBe(true);
    expect(manifestOf('second').trail).toMatchObject({
      intact: false,
      packRecord: null,
      anchors: [{ seq: 6, holds: false }],
    });
    expect(readFileSync(join(dir, 'second', 'evidence.md'), 'utf8')).toContain('AUDIT TRAIL BROKEN at seq 6');
  });

  it('refuses an anchor that is not an anchor before writing anything (exit 2)', async () => {
    // Prepare
    writeFileSync(join(dir, 'nonsense.json'), '{"seq": "six"}');
    const before = readFileSync(trail);

    // Act
    const run = await evidence('--anchor', 'nonsense.json', '--out', 'pack');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'pack'))).toBe(false);
    expect(readFileSync(trail).equals(before)).toBe(true);
  });

  it('takes --trail-prefix like every other command (and --prefix as its alias)', async () => {
    // Act
    const [primary, alias] = [
      await evidence('--trail-prefix', 'x/', '--out', 'pack'),
      await evidence('--prefix', 'x/', '--out', 'pack'),
    ];

    // Assess
    expect(primary.stderr).toBe('keywarden: --trail-prefix applies only with --trail-bucket\n');
    expect(alias.stderr).toBe('keywarden: --trail-prefix applies only with --trail-bucket\n');
  });
});
