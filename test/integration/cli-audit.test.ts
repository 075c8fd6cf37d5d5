import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { denied, type FaultProxy, throttled, useMotoBehindFaultProxy } from '../support/fault-proxy.js';
import { seedIam } from '../support/iam-seed.js';
import { captureIo } from '../support/io.js';
import { type Moto, motoAvailable } from '../support/moto.js';

const asOf = new Date('2026-11-28T00:00:00Z');

describe.skipIf(!motoAvailable())('keywarden audit against moto (in-process)', () => {
  let moto: Moto;
  let proxy: FaultProxy;

  useMotoBehindFaultProxy((started, faults) => {
    moto = started;
    proxy = faults;
  });
  beforeEach(async () => {
    proxy.setFaults([]);
    await moto.reset();
    await seedIam(moto, asOf, [
      { name: 'alice', keys: [{ ageDays: 10, lastUsedDaysAgo: 1 }] },
      { name: 'bob', keys: [{ ageDays: 120, lastUsedDaysAgo: 1 }] },
      { name: 'carol', keys: [{ ageDays: 30, lastUsedDaysAgo: 2 }, { ageDays: 5 }] },
    ]);
  });

  async function audit(...flags: string[]) {
    const captured = captureIo({ env: process.env, now: asOf });
    const exitCode = await main(['audit', '--format', 'json', ...flags], captured.io);
    return { exitCode, stdout: captured.stdout(), stderr: captured.stderr() };
  }

  it('audits the live credential report by default and names flagged keys', async () => {
    const { exitCode, stdout, stderr } = await audit();

    const report = JSON.parse(stdout);
    expect(exitCode).toBe(1);
    expect(stderr).toBe('');
    expect(report).toMatchObject({ source: 'credential-report', account: '123456789012', complete: true });
    expect(report.findings.find((f: { user: string }) => f.user === 'bob').accessKeyId).toMatch(/^AKIA/);
  });

  it('audits through the IAM API with --source api', async () => {
    const { exitCode, stdout } = await audit('--source', 'api');

    const report = JSON.parse(stdout);
    expect(exitCode).toBe(1);
    expect(report.source).toBe('api');
    expect(report.summary).toMatchObject({ users: 3, keys: 4, overdue: 1 });
  });

  it('shows its progress on a terminal while the API source walks the users, and clears it', async () => {
    const captured = captureIo({ env: { ...process.env, NO_COLOR: '1' }, now: asOf, tty: true });

    await main(['audit', '--source', 'api'], captured.io);

    expect(captured.stderr()).toContain('\rkeywarden: read 3/3 users (100%)');
    expect(captured.stderr().endsWith('\r\u001b[K')).toBe(true);
  });

  it('exits 3 with a report naming the user it may not read when access is denied on part of the account', async () => {
    // Prepare
    proxy.setFaults([denied('ListAccessKeys', 'carol')]);

    // Act
    const { exitCode, stdout, stderr } = await audit('--source', 'api');

    // Assess
    const report = JSON.parse(stdout);
    expect(exitCode).toBe(3);
    expect(report.complete).toBe(false);
    expect(report.gaps).toEqual([
      {
        scope: 'user:carol',
        reason:
          'ListAccessKeys: AccessDenied: User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: iam:ListAccessKeys on resource: user carol',
      },
    ]);
    expect(report.findings.map((f: { user: string }) => f.user).sort()).toEqual(['alice', 'bob']);
    expect(stderr).toBe(
      "keywarden: audit incomplete: 1 part of account 123456789012 could not be read (see the report's gaps)\n",
    );
  });

  it('exits 3 even with --fail-on never when the audit is incomplete', async () => {
    proxy.setFaults([denied('ListAccessKeys', 'carol')]);

    const { exitCode } = await audit('--source', 'api', '--fail-on', 'never');

    expect(exitCode).toBe(3);
  });

  it('exits 3 with a report naming the user it could not read when throttled past retries', async () => {
    // Prepare
    proxy.setFaults([throttled('ListAccessKeys', 'bob')]);

    // Act
    const { exitCode, stdout } = await audit('--source', 'api');

    // Assess
    const report = JSON.parse(stdout);
    expect(exitCode).toBe(3);
    expect(report.gaps).toEqual([{ scope: 'user:bob', reason: 'ListAccessKeys: Throttling: Rate exceeded' }]);
    // The SDK retried before giving up (KEYWARDEN_AWS_MAX_ATTEMPTS=2 in the test bed).
    expect(proxy.faulted).toEqual(['ListAccessKeys bob', 'ListAccessKeys bob']);
  });

  it('exits 3 with one line when the credential report may not be generated', async () => {
    proxy.setFaults([denied('GenerateCredentialReport')]);

    const { exitCode, stdout, stderr } = await audit();

    expect(exitCode).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'keywarden: cannot generate the credential report: AccessDenied: User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: iam:GenerateCredentialReport\n',
    );
  });

  it('still reports complete verdicts when only the key-ID lookup of a flagged user is denied', async () => {
    proxy.setFaults([denied('ListAccessKeys', 'bob')]);

    const { exitCode, stdout, stderr } = await audit();

    expect(exitCode).toBe(1);
    expect(JSON.parse(stdout).complete).toBe(true);
    expect(stderr).toMatch(/^keywarden: note: key IDs of bob not looked up: AccessDenied: /);
  });
});
