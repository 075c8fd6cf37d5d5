import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { denied, type FaultProxy, startFaultProxy, throttled } from '../support/fault-proxy.js';
import { seedIam } from '../support/iam-seed.js';
import { type Moto, motoAvailable, startMoto } from '../support/moto.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/keywarden.js');

/**
 * Runs the real bundle (`npm run build` makes dist/cli.js; .ci/run builds before testing). Asynchronous,
 * because the fault proxy answering it lives in this process.
 */
function keywarden(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (exitCode) => resolvePromise({ exitCode, stdout, stderr }));
  });
}

describe('the keywarden bundle refusing bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-e2e-'));
  writeFileSync(join(dir, 'garbled.csv'), 'user,arn\u0000\u0001,"unterminated\n');
  writeFileSync(join(dir, 'wrong-headers.csv'), 'name,age\nalice,3\n');
  writeFileSync(join(dir, 'empty.csv'), '');
  writeFileSync(join(dir, 'invalid.yml'), 'maxKeyAgeDays: 90\nwarnDays: 90\n');
  const report = ['--credential-report', 'examples/credential-report.csv'];

  it.each([
    [
      'a missing report file',
      ['audit', '--credential-report', join(dir, 'missing.csv')],
      /cannot read credential report \(no such file\)$/,
    ],
    [
      'a garbled report file',
      ['audit', '--credential-report', join(dir, 'garbled.csv')],
      /not a valid CSV file \(Quote Not Closed/,
    ],
    [
      'an empty report file',
      ['audit', '--credential-report', join(dir, 'empty.csv')],
      /the credential report is empty$/,
    ],
    [
      'a report with the wrong headers',
      ['audit', '--credential-report', join(dir, 'wrong-headers.csv')],
      /not an IAM credential report: missing columns user, arn, /,
    ],
    [
      'an invalid config',
      ['audit', ...report, '--config', join(dir, 'invalid.yml')],
      /invalid\.yml: warnDays: must be less than maxKeyAgeDays \(90\)$/,
    ],
    [
      'an unknown flag',
      ['audit', ...report, '--fromat', 'json'],
      /^keywarden: error: unknown option '--fromat' \(Did you mean --format\?\)$/,
    ],
    [
      'an unreadable --as-of',
      ['audit', ...report, '--as-of', 'next tuesday'],
      /^keywarden: --as-of: "next tuesday" is not an ISO 8601 date/,
    ],
  ])('exits 2 on %s with one clear line and no stack trace', async (_case, args, message) => {
    // Act
    const { exitCode, stdout, stderr } = await keywarden(args);

    // Assess
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.endsWith('\n')).toBe(true);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr.trimEnd()).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at |Error:/);
  });
});

describe.skipIf(!motoAvailable())('the keywarden bundle against moto behind a fault proxy', () => {
  let moto: Moto;
  let proxy: FaultProxy;
  let env: Record<string, string>;
  const asOf = new Date('2026-11-28T00:00:00Z');

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startFaultProxy(moto.endpoint);
    env = { ...moto.env, AWS_ENDPOINT_URL: proxy.endpoint };
    await seedIam(moto, asOf, [
      { name: 'alice', keys: [{ ageDays: 10, lastUsedDaysAgo: 1 }] },
      { name: 'bob', keys: [{ ageDays: 120, lastUsedDaysAgo: 1 }] },
    ]);
  });
  afterAll(async () => {
    await proxy?.close();
    await moto?.stop();
  });

  it('exits 1 on a complete audit with an overdue key', async () => {
    proxy.setFaults([]);

    const { exitCode, stdout, stderr } = await keywarden(
      ['audit', '--as-of', '2026-11-28', '--format', 'json'],
      env,
    );

    expect(exitCode).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ complete: true, summary: { users: 2, overdue: 1 } });
    expect(stderr).toBe('');
  });

  it('exits 3 with a report that names what is missing when access is denied on part of the account', async () => {
    proxy.setFaults([denied('ListAccessKeys', 'bob')]);

    const { exitCode, stdout, stderr } = await keywarden(
      ['audit', '--source', 'api', '--format', 'json'],
      env,
    );

    expect(exitCode).toBe(3);
    expect(JSON.parse(stdout)).toMatchObject({ complete: false, gaps: [{ scope: 'user:bob' }] });
    expect(stderr).toBe(
      "keywarden: audit incomplete: 1 part of account 123456789012 could not be read (see the report's gaps)\n",
    );
  });

  it('exits 3 and says what is missing in the table when throttled past retries', async () => {
    proxy.setFaults([throttled('ListUserTags', 'alice')]);

    const { exitCode, stdout } = await keywarden(['audit', '--source', 'api'], env);

    expect(exitCode).toBe(3);
    expect(stdout).toContain(
      'AUDIT INCOMPLETE: 1 part could not be read:\n  user:alice: ListUserTags: Throttling: Rate exceeded',
    );
  });
});
