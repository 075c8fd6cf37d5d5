import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OFFLINE_QUARANTINE_NOTE } from '../../core/audit/run.js';
import { readSavedReport } from '../../core/inventory/credential-report.js';
import { runCli } from '../support/capture-io.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SAMPLE = readFileSync(join(ROOT, 'examples/credential-report.csv'), 'utf8');
const now = new Date('2026-11-28T12:00:00Z');
const audit = (args: string[], stdinText?: string) =>
  runCli(['audit', '--as-of', '2026-11-28', '--format', 'json', ...args], { cwd: ROOT, now, stdinText });

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'keywarden-input-'));
}

describe('keywarden audit --credential-report: what it reads', () => {
  it('refuses a report with a second access_key_1_active column, exit 2, naming the column', async () => {
    // Prepare: alice's active key is 800 days old; a second column claims it is inactive.
    const dir = tempDir();
    const header = SAMPLE.split('\n')[0];
    writeFileSync(
      join(dir, 'twice.csv'),
      `${header},access_key_1_active\nalice,arn:aws:iam::123456789012:user/alice,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-09-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A,false\n`,
    );

    // Act
    const run = await audit(['--credential-report', join(dir, 'twice.csv')]);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `keywarden: ${join(dir, 'twice.csv')}: column access_key_1_active appears 2 times (columns 9, 23); a credential report has each column once\n`,
    );
  });

  it('refuses a FIFO at once instead of waiting for a writer', { timeout: 5_000 }, async () => {
    // Prepare
    const fifo = join(tempDir(), 'report.fifo');
    execFileSync('mkfifo', [fifo]);

    // Act
    const run = await audit(['--credential-report', fifo]);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `keywarden: ${fifo}: cannot read credential report (a FIFO, not a regular file); save the report to a file, or pass - to read standard input\n`,
    );
  });

  it('refuses /dev/zero at once instead of reading hundreds of megabytes', { timeout: 5_000 }, async () => {
    const run = await audit(['--credential-report', '/dev/zero']);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'keywarden: /dev/zero: cannot read credential report (a character device, not a regular file); save the report to a file, or pass - to read standard input\n',
    );
  });

  it('refuses a directory with one line', async () => {
    const dir = tempDir();

    const run = await audit(['--credential-report', dir]);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `keywarden: ${dir}: cannot read credential report (a directory, not a regular file); save the report to a file, or pass - to read standard input\n`,
    );
  });

  it('reads the CSV from standard input with -', async () => {
    const fromFile = await audit(['--credential-report', 'examples/credential-report.csv']);

    const fromStdin = await audit(['--credential-report', '-'], SAMPLE);

    expect(fromStdin.stderr).toBe(`keywarden: note: ${OFFLINE_QUARANTINE_NOTE}\n`);
    expect(fromStdin.code).toBe(fromFile.code);
    expect(JSON.parse(fromStdin.stdout).findings).toEqual(JSON.parse(fromFile.stdout).findings);
  });

  it('reads the JSON of aws iam get-credential-report from standard input', async () => {
    // Prepare
    const saved = JSON.stringify({
      Content: Buffer.from(SAMPLE).toString('base64'),
      ReportFormat: 'text/csv',
      GeneratedTime: '2026-11-28T07:00:00+00:00',
    });

    // Act
    const run = await audit(['--credential-report', '-'], saved);

    // Assess
    expect(run.stderr).toBe(`keywarden: note: ${OFFLINE_QUARANTINE_NOTE}\n`);
    expect(JSON.parse(run.stdout).summary.keys).toBeGreaterThan(10);
  });

  it('names standard input when what it read is not a report', async () => {
    const run = await audit(['--credential-report', '-'], 'name,age\nalice,3\n');

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^keywarden: standard input: not an IAM credential report: missing columns /);
  });
});

describe('readSavedReport size bound', () => {
  it('refuses a file over the limit before reading it, naming the limit', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'big.csv'), SAMPLE);

    await expect(readSavedReport('big.csv', { cwd: dir, maxBytes: 1024 })).rejects.toThrow(
      'big.csv: larger than 1024 bytes, the limit for a credential report (10,000 users make about 3 MB)',
    );
  });

  it('stops reading standard input past the limit instead of buffering all of it', async () => {
    // Prepare: an endless stream; the read must stop by itself.
    let produced = 0;
    const { Readable } = await import('node:stream');
    const endless = new Readable({
      read() {
        produced += 64 * 1024;
        this.push(Buffer.alloc(64 * 1024, 0x41));
      },
    });

    // Act
    const read = readSavedReport('-', { cwd: ROOT, stdin: endless, maxBytes: 1024 * 1024 });

    // Assess
    await expect(read).rejects.toThrow(
      'standard input: larger than 1 MiB, the limit for a credential report',
    );
    expect(produced).toBeLessThan(4 * 1024 * 1024);
  });

  it('names 256 MiB as the default limit', async () => {
    const { MAX_REPORT_BYTES } = await import('../../core/inventory/credential-report.js');

    expect(MAX_REPORT_BYTES).toBe(256 * 1024 * 1024);
  });

  it('refuses a report that is not UTF-8', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'latin1.csv'), Buffer.from([0x75, 0x73, 0xe9, 0x72, 0x0a]));

    await expect(readSavedReport('latin1.csv', { cwd: dir })).rejects.toThrow(
      'latin1.csv: not UTF-8 text; save the CSV or the output of aws iam get-credential-report',
    );
  });
});
