import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docSection, fencedBlocks } from '../support/docs.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('@github/local-action run . action/main.ts .env', () => {
  it('runs the Action from the TypeScript entry with the committed .env, asking nothing', () => {
    // Prepare: no AWS credentials anywhere, and npx may not install anything (a prompt would fail instead).
    const home = mkdtempSync(join(tmpdir(), 'keywarden-local-action-'));
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      npm_config_yes: 'false',
      AWS_CONFIG_FILE: join(home, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };

    // Act
    const run = spawnSync('npx', ['--no-install', 'local-action', 'run', '.', 'action/main.ts', '.env'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });

    // Assess
    expect(fencedBlocks(docSection('docs/action.md', 'local-action'), 'sh')).toEqual([
      'npx local-action run . action/main.ts .env\n',
    ]);
    expect(execFileSync('git', ['ls-files', '.env'], { cwd: ROOT, encoding: 'utf8' }).trim()).toBe('.env');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      '::notice::keywarden skipped the audit: this pull_request run has no AWS credentials.',
    );
    expect(run.stdout).toMatch(/'skipped'\s*│\s*'true'/);
  }, 150_000);
});
