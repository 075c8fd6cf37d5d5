import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../core/policy/parse-text.js';
import { configJsonSchema, parseConfig } from '../../core/policy/schema.js';

const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(resolve(ROOT, 'README.md'), 'utf8');

function section(name: string): string {
  const start = README.indexOf(`<!-- section:${name} -->`);
  const end = README.indexOf(`<!-- /section:${name} -->`);
  expect(start).toBeGreaterThanOrEqual(0);
  return README.slice(start, end);
}

/** The fenced blocks of a piece of the README with the given info string ('' for plain blocks). */
function blocks(text: string, info: string): string[] {
  return [...text.matchAll(/```(\w*)\n([\s\S]*?)```/g)]
    .filter((match) => match[1] === info)
    .map((match) => match[2] as string);
}

const lines = (block: string) => block.split('\n').filter((line) => line.trim() !== '');

/** Runs a README command line through a shell from the repository root, as a reader would. */
function runAsWritten(command: string): { exitCode: number; stdout: string } {
  try {
    const stdout = execSync(command, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    return { exitCode: 0, stdout };
  } catch (err) {
    const failed = err as { status: number; stdout: string };
    return { exitCode: failed.status, stdout: failed.stdout };
  }
}

const quickStart = lines(blocks(README.slice(README.indexOf('## Quick start')), 'sh')[0] ?? '');
const auditExamples = lines(blocks(section('audit'), 'sh')[0] ?? '');

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
      '1 root-key, 4 overdue, 2 expiring, 1 superseded, 2 unused, 1 stale, 2 exempt, 8 compliant',
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

describe('the README audit section', () => {
  it('starts its examples with the quick-start audit', () => {
    expect(auditExamples[0]).toBe(quickStart[1]);
  });

  it.each(auditExamples.map((command) => [command]))('runs `%s` as written', (command) => {
    const { exitCode, stdout } = runAsWritten(command);

    expect([0, 1]).toContain(exitCode);
    expect(stdout.length).toBeGreaterThan(0);
  });

  it('shows lines that the first example really prints', () => {
    // Prepare
    const shown = lines(blocks(section('audit'), '')[1] ?? '').filter((line) => line !== '…');

    // Act
    const printed = runAsWritten(auditExamples[0] as string).stdout.split('\n');

    // Assess
    expect(shown.length).toBeGreaterThan(5);
    for (const line of shown) expect(printed).toContain(line);
  });

  it('shows a JSON example that is the sample report’s own head', () => {
    // Prepare
    const example = JSON.parse(blocks(section('audit'), 'json')[0] ?? '');

    // Act
    const real = JSON.parse(runAsWritten(auditExamples[1] as string).stdout);

    // Assess
    expect({ ...example, tool: real.tool }).toEqual({ ...real, findings: real.findings.slice(0, 1) });
  });
});

describe('the README config section', () => {
  it('shows a config example that is valid', () => {
    const example = parseConfigText(blocks(section('config'), 'yaml')[0] ?? '', 'README');

    expect(parseConfig(example, { asOf: new Date('2026-11-28T00:00:00Z') }).exemptions).toHaveLength(1);
  });

  it('documents every key of the schema', () => {
    // Prepare
    const documented = new Set([...section('config').matchAll(/^\| `([\w.[\]]+)`/gm)].map((m) => m[1]));
    const schema = configJsonSchema() as {
      properties: Record<string, { properties?: Record<string, unknown>; items?: { properties: object } }>;
    };

    // Act
    const keys = Object.entries(schema.properties).flatMap(([key, value]) => {
      if (key === 'trail') return [];
      const nested = value.properties ?? value.items?.properties;
      const prefix = value.items ? `${key}[].` : `${key}.`;
      return [
        value.items ? `${key}[]` : key,
        ...Object.keys(nested ?? {}).map((child) => `${prefix}${child}`),
      ];
    });

    // Assess
    for (const key of keys.filter((key) => !['rotation', 'scope', 'frameworks'].includes(key)))
      expect(documented).toContain(key);
    expect(section('config')).toContain(
      '`trail.file` / `trail.bucket` / `trail.prefix` / `trail.retentionDays`',
    );
    expect(documented).toContain('trail.signingKey');
  });
});
