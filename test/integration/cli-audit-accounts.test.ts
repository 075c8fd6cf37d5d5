import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { assumeRoleDenied, type FaultProxy, useMotoBehindFaultProxy } from '../support/fault-proxy.js';
import { captureIo } from '../support/io.js';
import { type Moto, motoAvailable } from '../support/moto.js';
import { type SeededOrganization, seedOrganization } from '../support/organization.js';

const asOf = new Date('2026-11-28T00:00:00Z');
const ROLE = 'keywarden-audit';

interface AccountEntry {
  account: string;
  name: string | null;
  complete: boolean;
  gaps: Array<{ scope: string; reason: string }>;
  summary: { users: number; keys: number; overdue: number; violations: number };
}

describe.skipIf(!motoAvailable())('keywarden audit --accounts against an organization in moto', () => {
  let moto: Moto;
  let proxy: FaultProxy;
  let org: SeededOrganization;
  const id = (name: string) => org.accounts.get(name) as string;

  useMotoBehindFaultProxy((started, faults) => {
    moto = started;
    proxy = faults;
  });
  beforeEach(async () => {
    proxy.setFaults([]);
    await moto.reset();
    org = await seedOrganization(moto, asOf, [
      {
        name: 'payments',
        ou: 'prod',
        users: [
          { name: 'pay-ci', keys: [{ ageDays: 120 }] },
          { name: 'pay-batch', keys: [{ ageDays: 10 }] },
        ],
      },
      { name: 'research', users: [{ name: 'lab-sync', keys: [{ ageDays: 30 }, { ageDays: 5 }] }] },
      { name: 'sandbox', ou: 'dev', users: [{ name: 'tinker', keys: [{ ageDays: 200 }] }] },
      { name: 'payments-eu', ou: 'prod/eu', users: [] },
    ]);
  });

  async function audit(flags: string[], options: { stdin?: string; cwd?: string } = {}) {
    const captured = captureIo({ env: process.env, now: asOf, cwd: options.cwd });
    if (options.stdin !== undefined) captured.io.stdin = Readable.from([options.stdin]);
    const exitCode = await main(['audit', ...flags], captured.io);
    return { exitCode, stdout: captured.stdout(), stderr: captured.stderr() };
  }
  const json = (stdout: string) =>
    JSON.parse(stdout) as {
      account: string;
      complete: boolean;
      accounts: AccountEntry[];
      findings: Array<{ account: string; user: string; verdict: string }>;
      summary: { users: number; keys: number; overdue: number };
      gaps: Array<{ scope: string; reason: string }>;
    };

  it('audits every ACTIVE account of the organization into one report, each finding with its account', async () => {
    // Act
    const { exitCode, stdout } = await audit([
      '--accounts',
      'organization',
      '--role-name',
      ROLE,
      '--format',
      'json',
    ]);
    // Assess
    const report = json(stdout);
    expect(exitCode).toBe(1);
    expect(report).toMatchObject({ account: 'multiple', complete: true });
    expect(report.accounts.map((a) => [a.account, a.name, a.complete]).sort()).toEqual(
      [
        [org.management, 'master', true],
        [id('payments'), 'payments', true],
        [id('research'), 'research', true],
        [id('sandbox'), 'sandbox', true],
        [id('payments-eu'), 'payments-eu', true],
      ].sort(),
    );
    const payments = report.accounts.find((a) => a.account === id('payments'));
    expect(payments?.summary).toMatchObject({ users: 2, keys: 2, overdue: 1 });
    expect(report.summary).toMatchObject({ users: 4, keys: 5, overdue: 2 });
    expect(report.findings.filter((f) => f.verdict === 'overdue').map((f) => [f.account, f.user])).toEqual([
      [id('sandbox'), 'tinker'],
      [id('payments'), 'pay-ci'],
    ]);
  });

  it('reports an account whose role cannot be assumed as a gap of that account, exit 3, the others complete', async () => {
    // Prepare
    const missing = `arn:aws:iam::${id('research')}:role/${ROLE}`;
    proxy.setFaults([assumeRoleDenied(missing, `arn:aws:iam::${org.management}:user/moto`)]);
    // Act
    const { exitCode, stdout, stderr } = await audit([
      '--accounts',
      'organization',
      '--role-name',
      ROLE,
      '--format',
      'json',
    ]);
    // Assess
    const report = json(stdout);
    expect(exitCode).toBe(3);
    expect(report.complete).toBe(false);
    const research = report.accounts.find((a) => a.account === id('research'));
    expect(research).toMatchObject({ complete: false, summary: { users: 0, keys: 0 } });
    expect(research?.gaps[0]?.reason).toContain(`cannot assume ${missing}: AccessDenied`);
    expect(report.gaps).toEqual([{ scope: `account:${id('research')}`, reason: research?.gaps[0]?.reason }]);
    expect(report.accounts.filter((a) => a.complete)).toHaveLength(4);
    expect(report.findings.some((f) => f.account === id('payments'))).toBe(true);
    expect(stderr).toContain('audit incomplete: 1 part of 1 of 5 accounts could not be read');
  });

  it('limits the organization to an organizational unit and its child units with --ou', async () => {
    // Act
    const { exitCode, stdout } = await audit([
      '--accounts',
      'organization',
      '--ou',
      org.units.get('prod') as string,
      '--role-name',
      ROLE,
      '--format',
      'json',
    ]);
    // Assess
    expect(exitCode).toBe(1);
    expect(json(stdout).accounts.map((a) => a.account)).toEqual([id('payments'), id('payments-eu')].sort());
  });

  it('audits only the listed accounts, not the caller’s own, from a list, a file or standard input', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'kw-accounts-'));
    writeFileSync(
      join(dir, 'accounts.txt'),
      `# audited by the security team\n${id('research')}\n${id('sandbox')}\n`,
    );
    const common = ['--role-name', ROLE, '--format', 'json'];
    // Act
    const listed = await audit(['--accounts', `${id('research')},${id('sandbox')}`, ...common]);
    const fromFile = await audit(['--accounts', 'accounts.txt', ...common], { cwd: dir });
    const fromStdin = await audit(['--accounts', '-', ...common], {
      stdin: `${id('research')} ${id('sandbox')}\n`,
    });
    // Assess
    for (const run of [listed, fromFile, fromStdin]) {
      expect(json(run.stdout).accounts.map((a) => [a.account, a.name])).toEqual([
        [id('research'), null],
        [id('sandbox'), null],
      ]);
    }
  });

  it('groups the table by account with a summary line per account and a total', async () => {
    // Act
    const { stdout } = await audit(['--accounts', `${id('payments')},${id('sandbox')}`, '--role-name', ROLE]);
    // Assess
    expect(stdout).toContain(`account ${id('payments')} · 2 users · 2 keys · 1 violation, 0 warnings`);
    expect(stdout).toContain(`account ${id('sandbox')} · 1 users · 1 keys · 1 violation, 0 warnings`);
    expect(stdout).toContain('total · 2 accounts · 3 users · 3 keys');
    expect(stdout.indexOf('pay-ci')).toBeGreaterThan(stdout.indexOf(`account ${id('payments')}`));
    expect(stdout.indexOf('tinker')).toBeGreaterThan(stdout.indexOf(`account ${id('sandbox')}`));
  });

  it('refuses an account ID that is not 12 digits with one line and exit 2, before touching AWS', async () => {
    // Act
    const { exitCode, stderr, stdout } = await audit([
      '--accounts',
      '12345,111111111111',
      '--role-name',
      ROLE,
    ]);
    // Assess
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('"12345" is not a 12-digit AWS account ID');
  });

  it('refuses --accounts without --role-name', async () => {
    const { exitCode, stderr } = await audit(['--accounts', 'organization']);
    expect(exitCode).toBe(2);
    expect(stderr).toContain('--accounts needs --role-name');
  });
});
