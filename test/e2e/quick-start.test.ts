import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(resolve(ROOT, 'README.md'), 'utf8');

/** The commands of the README's Quick start, exactly as a reader copies them. */
function quickStartCommands(): string[] {
  const section = README.slice(README.indexOf('## Quick start'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block.split('\n').filter((line) => line.trim() !== '');
}

describe('the README quick start', () => {
  it('is npm ci, the sample audit, npm test', () => {
    const commands = quickStartCommands();

    expect(commands).toHaveLength(3);
    expect(commands[0]).toBe('npm ci');
    expect(commands[1]).toMatch(/^npx keywarden audit /);
    expect(commands[2]).toBe('npm test');
  });

  it('audits the sample offline as written: overdue keys found, so exit 1', () => {
    // Act: the README's own line, through a shell, from the repository root.
    let exitCode = 0;
    let stdout = '';
    try {
      stdout = execSync(quickStartCommands()[1] as string, {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      });
    } catch (err) {
      const failed = err as { status: number; stdout: string };
      exitCode = failed.status;
      stdout = failed.stdout;
    }

    // Assess
    expect(exitCode).toBe(1);
    expect(stdout).toContain('account 123456789012 · 17 users · 17 keys · as of 2026-11-28T00:00:00.000Z');
    expect(stdout).toContain('4 overdue, 2 expiring, 1 unused, 1 stale, 2 exempt, 7 compliant');
    const verdicts = Object.fromEntries(
      stdout
        .split('\n')
        .slice(1, 18)
        .map((line) => line.split(/\s+/))
        .map(([verdict, user, slot]) => [`${user}/${slot}`, verdict]),
    );
    expect(verdicts).toEqual({
      'svc-legacy-ftp/1': 'overdue',
      'frank/1': 'overdue',
      'grace/1': 'overdue',
      'erin/1': 'overdue',
      'heidi/1': 'stale',
      'dave/1': 'expiring',
      'carol/1': 'expiring',
      'svc-reporting/1': 'unused',
      'svc-vendor-appliance/1': 'exempt',
      'svc-lab-instrument/1': 'exempt',
      'bob/1': 'compliant',
      'trent/2': 'compliant',
      'ivan/1': 'compliant',
      'heidi/2': 'compliant',
      'grace/2': 'compliant',
      'new-hire/1': 'compliant',
      'alice/1': 'compliant',
    });
  });
});
