import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { OFFLINE_QUARANTINE_NOTE } from '../../core/audit/run.js';
import { captureIo } from '../support/io.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SAMPLE = ['--credential-report', 'examples/credential-report.csv', '--as-of', '2026-11-28'];
const WITH_POLICY = [...SAMPLE, '--config', 'examples/keywarden.yml'];
const ESC = '\u001b[';

async function run(argv: string[], options: Parameters<typeof captureIo>[0] = {}) {
  const captured = captureIo({ cwd: ROOT, ...options });
  const exitCode = await main(argv, captured.io);
  return { exitCode, stdout: captured.stdout(), stderr: captured.stderr() };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'keywarden-cli-'));
}

describe('keywarden audit (in-process)', () => {
  it('exits 1 and prints the table when a key is overdue', async () => {
    const { exitCode, stdout, stderr } = await run(['audit', ...WITH_POLICY]);

    expect(exitCode).toBe(1);
    expect(stdout.split('\n')[0]).toMatch(
      /^VERDICT\s+USER\s+SLOT\s+KEY\s+STATUS\s+AGE\s+LAST USED\s+REASON$/,
    );
    expect(stdout).toContain(
      '1 root-key, 0 compromised, 4 overdue, 2 expiring, 1 superseded, 2 unused, 1 stale, 2 exempt, 8 compliant',
    );
    expect(stderr).toBe(`keywarden: note: ${OFFLINE_QUARANTINE_NOTE}\n`);
  });

  it('exits 0 with --fail-on never despite violations', async () => {
    const { exitCode } = await run(['audit', ...WITH_POLICY, '--fail-on', 'never']);

    expect(exitCode).toBe(0);
  });

  it('exits 1 with --fail-on warning when only warnings are found', async () => {
    // Prepare: a limit so long that nothing is overdue, but the unused and stale keys remain; the sample
    // without its root key, which is a violation at any limit.
    const dir = tempDir();
    const sample = readFileSync(join(ROOT, 'examples/credential-report.csv'), 'utf8');
    writeFileSync(
      join(dir, 'no-root.csv'),
      sample.replace(/^<root_account>,.*$/m, (row) =>
        row.replace(
          ',true,2026-11-20T08:12:00+00:00,2026-11-21T09:00:00+00:00,us-east-1,iam,',
          ',false,N/A,N/A,N/A,N/A,',
        ),
      ),
    );
    const args = ['audit', '--credential-report', join(dir, 'no-root.csv'), '--as-of', '2026-11-28'];
    args.push('--max-age-days', '365', '--warn-days', '0', '--fail-on');

    // Act
    const onWarning = await run([...args, 'warning']);
    const onViolation = await run([...args, 'violation']);

    // Assess
    expect(onWarning.exitCode).toBe(1);
    expect(onViolation.exitCode).toBe(0);
  });

  it('prints schema v3 JSON with --format json', async () => {
    const { exitCode, stdout } = await run(['audit', ...WITH_POLICY, '--format', 'json']);

    const report = JSON.parse(stdout);
    expect(exitCode).toBe(1);
    expect(report).toMatchObject({
      schemaVersion: 3,
      tool: { name: 'keywarden' },
      asOf: '2026-11-28T00:00:00.000Z',
      source: 'credential-report',
      account: '123456789012',
      complete: true,
    });
    expect(report.findings).toHaveLength(21);
  });

  it('prints Markdown with --format markdown', async () => {
    const { stdout } = await run(['audit', ...WITH_POLICY, '--format', 'markdown']);

    expect(stdout.startsWith('# keywarden audit — account 123456789012\n')).toBe(true);
    expect(stdout).toContain('| 🔴 overdue | svc-legacy-ftp | 1 |');
  });

  it('writes the report to --output and says where on stderr', async () => {
    // Prepare
    const dir = tempDir();

    // Act
    const { exitCode, stdout, stderr } = await run([
      'audit',
      ...WITH_POLICY,
      '--format',
      'json',
      '--output',
      join(dir, 'r.json'),
    ]);

    // Assess
    expect(exitCode).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `keywarden: report written to ${join(dir, 'r.json')}\nkeywarden: note: ${OFFLINE_QUARANTINE_NOTE}\n`,
    );
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).schemaVersion).toBe(3);
  });

  it('refuses an --output in a missing directory before auditing, with exit 2', async () => {
    const target = join(tempDir(), 'missing', 'r.json');

    const { exitCode, stderr } = await run(['audit', ...WITH_POLICY, '--output', target]);

    expect(exitCode).toBe(2);
    expect(stderr).toBe(`keywarden: --output ${target}: cannot write there (no such directory)\n`);
    expect(existsSync(target)).toBe(false);
  });

  it('refuses --format asff without an AWS region, in one line with exit 2, writing nothing', async () => {
    // Prepare: no region anywhere the SDK looks (ProductArn needs one; no fallback region is guessed).
    const saved = { ...process.env };
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) delete process.env[name];
    process.env.AWS_CONFIG_FILE = '/dev/null';
    try {
      // Act
      const { exitCode, stdout, stderr } = await run(['audit', ...WITH_POLICY, '--format', 'asff']);

      // Assess
      expect(exitCode).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        'keywarden: no AWS region for Security Hub findings (the region is part of their ProductArn): set one with --region, AWS_REGION, or a region in your AWS profile (aws configure set region eu-central-1)\n',
      );
    } finally {
      process.env = saved;
    }
  });

  it('lets --region win for --format asff of a saved report (issue 25 item 1)', async () => {
    // Prepare: no region in the environment or a profile; --region names one.
    const env = { AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };

    // Act
    const { exitCode, stdout, stderr } = await run(
      ['audit', ...WITH_POLICY, '--format', 'asff', '--region', 'eu-west-1'],
      { env },
    );

    // Assess
    expect(stderr).toBe(`keywarden: note: ${OFFLINE_QUARANTINE_NOTE}\n`);
    expect(exitCode).toBe(1);
    expect(JSON.parse(stdout)[0].ProductArn).toMatch(/^arn:aws:securityhub:eu-west-1:/);
  });

  it('leaves keys created after --as-of outside the audit, never a negative age (issue 22 item 7)', async () => {
    // Act: the sample's keys were created during 2026; audit as of New Year's Day.
    const { exitCode, stdout, stderr } = await run([
      'audit',
      '--credential-report',
      'examples/credential-report.csv',
      '--as-of',
      '2026-01-01',
      '--format',
      'json',
    ]);

    // Assess
    const report = JSON.parse(stdout);
    const later = report.notes.find((note: string) => note.includes('created after'));
    expect(exitCode).not.toBe(2);
    expect(report.findings.every((f: { ageDays: number }) => f.ageDays >= 0)).toBe(true);
    expect(
      report.findings.every(
        (f: { createdAt: string }) => Date.parse(f.createdAt) <= Date.parse('2026-01-01'),
      ),
    ).toBe(true);
    expect(later).toMatch(
      /^\d+ keys? created after the audit instant 2026-01-01T00:00:00\.000Z (is|are) outside this audit/,
    );
    expect(stderr).toContain('note: ');
    expect(report.summary.keys).toBe(report.findings.length);
  });

  it('lets --max-age-days and --warn-days win over the config file', async () => {
    // Prepare: the policy file says 90/14; the flags say 100/5 (so 91 and 95 days are compliant).
    const args = ['audit', ...WITH_POLICY, '--format', 'json', '--max-age-days', '100', '--warn-days', '5'];

    // Act
    const report = JSON.parse((await run(args)).stdout);

    // Assess
    expect(report.policy).toEqual({ maxKeyAgeDays: 100, warnDays: 5, unusedKeyDays: 45 });
    const verdictOf = (user: string) =>
      report.findings.find((f: { user: string }) => f.user === user).verdict;
    expect(verdictOf('erin')).toBe('compliant');
    expect(verdictOf('grace')).toBe('expiring');
  });

  it('audits with --max-age-days 60 and no config file (issue 22 item 1)', async () => {
    // Act
    const { exitCode, stdout, stderr } = await run([
      'audit',
      ...SAMPLE,
      '--max-age-days',
      '60',
      '--format',
      'json',
    ]);

    // Assess: a read-only audit is not refused for rotation steps nobody set.
    expect(stderr).toBe(`keywarden: note: ${OFFLINE_QUARANTINE_NOTE}\n`);
    expect(exitCode).toBe(1);
    expect(JSON.parse(stdout).policy.maxKeyAgeDays).toBe(60);
  });

  it('says in --help what --max-age-days implies for rotation', async () => {
    const { stdout } = await run(['audit', '--help']);

    expect(stdout.replace(/\s+/g, ' ')).toContain(
      'unless the config sets rotation:, the replacement key is made 10 days before N (at most at 80 days)',
    );
  });

  it('picks up ./keywarden.yml from the working directory', async () => {
    // Prepare
    const dir = tempDir();
    copyFileSync(join(ROOT, 'examples/credential-report.csv'), join(dir, 'report.csv'));
    copyFileSync(join(ROOT, 'examples/keywarden.yml'), join(dir, 'keywarden.yml'));

    // Act
    const { stdout } = await run(
      ['audit', '--credential-report', 'report.csv', '--as-of', '2026-11-28', '--format', 'json'],
      { cwd: dir },
    );

    // Assess
    expect(JSON.parse(stdout).summary.exempt).toBe(2);
  });

  it('uses the defaults without a config file (no exemptions)', async () => {
    const { stdout } = await run(['audit', ...SAMPLE, '--format', 'json']);

    expect(JSON.parse(stdout).summary).toMatchObject({ exempt: 0, overdue: 6 });
  });

  it('audits as of the injected clock when --as-of is not given', async () => {
    const { stdout } = await run(
      ['audit', '--credential-report', 'examples/credential-report.csv', '--format', 'json'],
      { now: new Date('2026-12-28T00:00:00Z') },
    );

    expect(JSON.parse(stdout).asOf).toBe('2026-12-28T00:00:00.000Z');
  });

  it('colours the table on a TTY', async () => {
    const { stdout } = await run(['audit', ...WITH_POLICY], { tty: true, env: { TERM: 'xterm' } });

    expect(stdout.includes(`${ESC}31m`)).toBe(true);
  });

  it('never colours with NO_COLOR set, even on a TTY', async () => {
    const { stdout } = await run(['audit', ...WITH_POLICY], { tty: true, env: { NO_COLOR: '1' } });

    expect(stdout.includes(ESC)).toBe(false);
  });

  it('never colours when stdout is not a TTY', async () => {
    const { stdout } = await run(['audit', ...WITH_POLICY], { tty: false });

    expect(stdout.includes(ESC)).toBe(false);
  });

  it('prints its version', async () => {
    const { exitCode, stdout } = await run(['--version']);

    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('keywarden audit refusing bad input (exit 2, one line on stderr)', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'not-a-report.csv'), 'name,age\nalice,3\n');
  writeFileSync(join(dir, 'bad.yml'), 'maxKeyAgeDays: ninety\n');

  it.each([
    [
      'an unknown flag',
      ['audit', '--frmat', 'json'],
      "keywarden: error: unknown option '--frmat' (Did you mean --format?)",
    ],
    ['an unknown command', ['audti'], "keywarden: error: unknown command 'audti' (Did you mean audit?)"],
    [
      'an unreadable --as-of',
      ['audit', ...SAMPLE.slice(0, 2), '--as-of', '28/11/2026'],
      'keywarden: --as-of: "28/11/2026" is not an ISO 8601 date (2026-11-28) or date-time with a zone (2026-11-28T09:00:00Z)',
    ],
    [
      'an impossible --as-of date',
      ['audit', ...SAMPLE.slice(0, 2), '--as-of', '2026-02-30'],
      'keywarden: --as-of: "2026-02-30" is not a real calendar date',
    ],
    [
      'a missing report file',
      ['audit', '--credential-report', 'nope.csv', '--as-of', '2026-11-28'],
      'keywarden: nope.csv: cannot read credential report (no such file)',
    ],
    [
      'a report with the wrong headers',
      ['audit', '--credential-report', join(dir, 'not-a-report.csv'), '--as-of', '2026-11-28'],
      `keywarden: ${join(dir, 'not-a-report.csv')}: not an IAM credential report: missing columns user, arn, access_key_1_active, access_key_1_last_rotated, access_key_1_last_used_date, access_key_2_active, access_key_2_last_rotated, access_key_2_last_used_date`,
    ],
    [
      'an invalid config',
      ['audit', ...SAMPLE, '--config', join(dir, 'bad.yml')],
      `keywarden: ${join(dir, 'bad.yml')}: maxKeyAgeDays: must be a whole number of days from 1 to 3650`,
    ],
    [
      'an out-of-range --max-age-days',
      ['audit', ...SAMPLE, '--max-age-days', '0'],
      "keywarden: error: option '--max-age-days <n>' argument '0' is invalid. must be a whole number from 1 to 3650",
    ],
    [
      'a --format that does not exist',
      ['audit', ...SAMPLE, '--format', 'xml'],
      "keywarden: error: option '--format <format>' argument 'xml' is invalid. Allowed choices are table, json, markdown, asff.",
    ],
    [
      'a saved report with --source api',
      ['audit', ...SAMPLE, '--source', 'api'],
      'keywarden: --credential-report cannot be combined with --source api',
    ],
  ])('refuses %s', async (_case, argv, line) => {
    // Act
    const { exitCode, stdout, stderr } = await run(argv);

    // Assess
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`${line}\n`);
  });
});
