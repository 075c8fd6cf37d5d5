import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docSection, fencedBlocks, REPO } from '../support/docs.js';

describe('docs/frameworks.md', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-frameworks-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes ASFF findings with the command it shows, ready for batch-import-findings', () => {
    // Prepare: the guide runs from the repository root; the built CLI stands in for npx.
    symlinkSync(join(REPO, 'examples'), join(dir, 'examples'));
    const [command = ''] = fencedBlocks(docSection('docs/frameworks.md', 'controls'), 'sh');

    // Act
    execSync(command.replaceAll('npx keywarden', `node ${join(REPO, 'bin', 'keywarden.js')}`), {
      cwd: dir,
      stdio: 'ignore',
      env: { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1' },
    });

    // Assess
    const findings = JSON.parse(readFileSync(join(dir, 'findings.json'), 'utf8'));
    expect(findings).toHaveLength(21);
    for (const finding of findings) {
      expect(finding.Id).toMatch(/^keywarden\/123456789012\/access-key\//);
      expect(finding.ProductArn).toBe(
        'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default',
      );
      expect(finding.GeneratorId).toBe('keywarden/access-key-audit');
    }
  });
});
