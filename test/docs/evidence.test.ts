import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docSection, fencedBlocks } from '../support/docs.js';
import { writeFixtureTrail } from '../support/evidence-fixture.js';

const REPO = join(import.meta.dirname, '..', '..');

/** The shell blocks of docs/evidence.md, in order. */
function evidenceShellBlocks(): string[] {
  return fencedBlocks(docSection('docs/evidence.md', 'evidence'), 'sh');
}

describe('docs/evidence.md', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-readme-evidence-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generates and verifies the example pack with exactly the commands it shows', () => {
    // Prepare: the guide runs from the repository root; the built CLI stands in for npx.
    symlinkSync(join(REPO, 'examples'), join(dir, 'examples'));
    const script = evidenceShellBlocks()
      .join('\n')
      .replaceAll('npx keywarden', `node ${join(REPO, 'bin', 'keywarden.js')}`);

    // Act
    const output = execFileSync('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

    // Assess
    expect(evidenceShellBlocks()).toHaveLength(2);
    expect(output).toContain('evidence.html: OK\nevidence.md: OK\n');
    const packDigest = readFileSync(join(dir, 'evidence-2026-11', 'manifest.json'), 'utf8').match(
      /"packSha256": "([0-9a-f]{64})"/,
    )?.[1];
    expect(packDigest).toBeDefined();
    expect(output.split(packDigest as string).length - 1).toBe(3);
    expect(output).toMatch(/trail intact: 6 records/);
  });

  it('ships an example trail that is the tests’ fixture trail, sealed by the trail store', async () => {
    const fresh = join(dir, 'fresh-trail.jsonl');

    await writeFixtureTrail(fresh);

    expect(readFileSync(fresh, 'utf8')).toBe(
      readFileSync(join(REPO, 'examples', 'evidence', 'keywarden-trail.jsonl'), 'utf8'),
    );
  });
});
