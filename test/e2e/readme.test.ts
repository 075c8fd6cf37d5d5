import { describe, expect, it } from 'vitest';
import { quickStartCommands, runAsWritten } from '../support/docs.js';

const quickStart = quickStartCommands();

describe('the README quick start', () => {
  it('is npm ci, the sample audit, npm test', () => {
    expect(quickStart).toHaveLength(3);
    expect(quickStart[0]).toBe('npm ci');
    expect(quickStart[1]).toMatch(/^npx keywarden audit /);
    expect(quickStart[2]).toBe('npm test');
  });

  it('audits the sample offline as written, with the verdict of every key, and exits 1', () => {
    // Act
    const { exitCode, stdout } = runAsWritten(quickStart[1] as string);

    // Assess
    expect(exitCode).toBe(1);
    expect(stdout).toContain('account 123456789012 · 19 users · 21 keys · as of 2026-11-28T00:00:00.000Z');
    expect(stdout).toContain(
      '1 root-key, 0 compromised, 4 overdue, 2 expiring, 1 superseded, 2 unused, 1 stale, 2 exempt, 8 compliant',
    );
    const verdicts = Object.fromEntries(
      stdout
        .split('\n')
        .slice(1, 22)
        .map((line) => line.split(/\s+/))
        .map(([verdict, user, slot]) => [`${user}/${slot}`, verdict]),
    );
    expect(verdicts).toEqual({
      'svc-legacy-ftp/1': 'overdue',
      'frank/1': 'overdue',
      'grace/1': 'overdue',
      'erin/1': 'overdue',
      '<root_account>/1': 'root-key',
      'heidi/1': 'stale',
      'dave/1': 'expiring',
      'carol/1': 'expiring',
      'svc-archive/1': 'unused',
      'paul/1': 'superseded',
      'svc-reporting/1': 'unused',
      'svc-vendor-appliance/1': 'exempt',
      'svc-lab-instrument/1': 'exempt',
      'bob/1': 'compliant',
      'trent/2': 'compliant',
      'ivan/1': 'compliant',
      'heidi/2': 'compliant',
      'paul/2': 'compliant',
      'grace/2': 'compliant',
      'new-hire/1': 'compliant',
      'alice/1': 'compliant',
    });
  });
});
