import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../core/evidence/model.js';
import { digestPack } from '../../../core/evidence/pack.js';

describe('digestPack', () => {
  it('writes sums that sha256sum -c accepts, and seals them with one pack digest', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'keywarden-pack-'));
    const files = [
      { name: 'evidence.md', content: '# evidence ✓\n' },
      { name: 'evidence.html', content: '<!doctype html>\n' },
    ];
    for (const file of files) writeFileSync(join(dir, file.name), file.content);

    // Act
    const digests = digestPack(files);
    writeFileSync(join(dir, 'SHA256SUMS'), digests.sums);

    // Assess
    expect(digests.files.map((file) => file.name)).toEqual(['evidence.html', 'evidence.md']);
    expect(digests.files[1]?.bytes).toBe(Buffer.byteLength('# evidence ✓\n'));
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' })).toBe(
      'evidence.html: OK\nevidence.md: OK\n',
    );
    expect(digests.packSha256).toBe(sha256Hex(digests.sums));
  });

  it('changes the pack digest when any file changes', () => {
    const before = digestPack([{ name: 'evidence.md', content: 'a' }]).packSha256;

    const after = digestPack([{ name: 'evidence.md', content: 'b' }]).packSha256;

    expect(after).not.toBe(before);
  });
});
