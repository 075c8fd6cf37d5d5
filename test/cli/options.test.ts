import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProgram } from '../../cli/main.js';
import { OFFLINE_QUARANTINE_NOTE } from '../../core/audit/run.js';
import { EXIT_CODES } from '../../core/exit-codes.js';
import { runCli } from '../support/capture-io.js';
import {
  FIXTURE_GENERATED_AT,
  FIXTURE_REPORT,
  runFixtureEvidence,
  writeFixtureTrail,
} from '../support/evidence-fixture.js';
import { captureIo } from '../support/io.js';

const ROOT = resolve(import.meta.dirname, '../..');
const NOW = new Date('2026-11-28T00:00:00Z');
const SAMPLE_AUDIT = [
  'audit',
  '--credential-report',
  join(ROOT, 'examples/credential-report.csv'),
  '--config',
  join(ROOT, 'examples/keywarden.yml'),
  '--as-of',
  '2026-11-28',
];
const COMMANDS = [
  ['audit'],
  ['check'],
  ['rotate'],
  ['doctor'],
  ['evidence'],
  ['trail', 'verify'],
  ['completion'],
];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keywarden-options-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const helpOf = async (command: string[]) =>
  (await runCli([...command, '--help'], { cwd: dir, now: NOW })).stdout;

describe('--output', () => {
  it('writes the audit report to standard output for -, and no file named -', async () => {
    // Act
    const run = await runCli([...SAMPLE_AUDIT, '--format', 'json', '--output', '-'], { cwd: dir, now: NOW });

    // Assess
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).summary.overdue).toBe(4);
    expect(run.stderr).toBe(`keywarden: note: ${OFFLINE_QUARANTINE_NOTE}\n`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is the evidence pack directory too, with --out kept as its old spelling', async () => {
    // Prepare
    const trail = join(dir, 'trail.jsonl');
    await writeFixtureTrail(trail);
    const evidence = (...extra: string[]) =>
      runFixtureEvidence(['--trail-file', trail, '--from', '2026-09-01'], extra, { cwd: dir });

    // Act
    const current = await evidence('--output', 'pack');
    const old = await evidence('--out', 'pack-old');

    // Assess
    expect([current.code, old.code]).toEqual([0, 0]);
    expect(readdirSync(join(dir, 'pack')).sort()).toEqual(readdirSync(join(dir, 'pack-old')).sort());
  });

  it('refuses - for an evidence pack, which is a directory, with exit 2 and nothing written', async () => {
    const run = await runCli(['evidence', '--credential-report', FIXTURE_REPORT, '--output', '-'], {
      cwd: dir,
      now: FIXTURE_GENERATED_AT,
    });

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'keywarden: --output -: an evidence pack is a directory of files; name a new or empty directory\n',
    );
    expect(existsSync(join(dir, '-'))).toBe(false);
  });
});

describe('one vocabulary of options', () => {
  it.each([
    ['--config', ['audit', 'check', 'rotate', 'doctor', 'evidence']],
    ['--trail-file', ['rotate', 'doctor', 'evidence']],
    ['--trail-bucket', ['rotate', 'doctor', 'evidence']],
    ['--trail-prefix', ['rotate', 'evidence']],
    ['--output', ['audit', 'check', 'evidence']],
    ['--format', ['audit', 'check']],
  ])('spells %s the same way on every command that takes it', async (flag, commands) => {
    // Prepare
    const { io } = captureIo({ cwd: dir });
    const program = await createProgram(io, () => {});

    // Act
    const options = commands.map((name) =>
      program.commands
        .find((command) => command.name() === name)
        ?.options.find((option) => option.long === flag),
    );

    // Assess: present everywhere, with the same argument; --config means exactly the same.
    for (const option of options) expect(option?.flags.split(' ')[0], `${flag} of ${commands}`).toBe(flag);
    expect(new Set(options.map((option) => option?.flags.split(' ').length)).size).toBe(1);
    if (flag === '--config') expect(new Set(options.map((option) => option?.description)).size).toBe(1);
  });

  it.each(COMMANDS.map((command) => [command.join(' '), command]))(
    'lists the exit codes in `keywarden %s --help`',
    async (_name, command) => {
      const help = await helpOf(command as string[]);

      expect(help).toContain('Exit codes:');
      for (const { code } of EXIT_CODES.filter((row) => row.code !== 1))
        expect(help).toMatch(new RegExp(`^  ${code}  `, 'm'));
    },
  );

  it('lists the exit codes in the top-level help, with every command', async () => {
    const help = await helpOf([]);

    expect(help).toContain('Exit codes:');
    for (const command of ['audit', 'check', 'rotate', 'doctor', 'evidence', 'trail', 'completion'])
      expect(help).toContain(`  ${command}`);
  });
});

describe('keywarden completion', () => {
  /** Asks the bash completion function for the words after `line` (the last word is being completed). */
  function complete(script: string, line: string): string[] {
    const file = join(dir, 'completion.bash');
    writeFileSync(file, script);
    const words = line.split(' ');
    const out = execFileSync(
      'bash',
      [
        '-c',
        `source "$1"; COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _keywarden; printf '%s\\n' "\${COMPREPLY[@]}"`,
        'bash',
        file,
      ],
      { encoding: 'utf8' },
    );
    return out.split('\n').filter(Boolean);
  }

  it('prints a bash script that completes commands, options and their choices', async () => {
    // Act
    const { code, stdout } = await runCli(['completion', 'bash'], { cwd: dir, now: NOW });

    // Assess
    expect(code).toBe(0);
    expect(complete(stdout, 'keywarden au')).toEqual(['audit']);
    expect(complete(stdout, 'keywarden audit --fo')).toEqual(['--format']);
    expect(complete(stdout, 'keywarden audit --format ')).toEqual(['table', 'json', 'markdown', 'asff']);
    expect(complete(stdout, 'keywarden trail ')).toEqual(['verify', '--help']);
    expect(complete(stdout, 'keywarden evidence --trail-p')).toEqual(['--trail-prefix']);
  });

  it.each([
    ['zsh', /^#compdef keywarden\n/],
    [
      'fish',
      /^complete -c keywarden -n '__fish_seen_subcommand_from audit' -l format -x -a 'table json markdown asff'/m,
    ],
  ])('prints a %s script', async (shell, expected) => {
    const { code, stdout } = await runCli(['completion', shell], { cwd: dir, now: NOW });

    expect(code).toBe(0);
    expect(stdout).toMatch(expected);
  });

  it('refuses a shell it does not know with exit 2', async () => {
    const { code, stderr } = await runCli(['completion', 'tcsh'], { cwd: dir, now: NOW });

    expect(code).toBe(2);
    expect(stderr).toMatch(/^keywarden: error: command-argument value 'tcsh' is invalid/);
  });
});
