import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonlTrailStore, type TrailEntry } from '../../../core/trail/index.js';
import { runCli } from '../../support/capture-io.js';
import { readRecords } from '../../support/trail-records.js';

const APPENDER = join(dirname(fileURLToPath(import.meta.url)), '../../support/trail-appender.ts');
const now = new Date('2026-06-01T12:00:00Z');

const entry = (user: string, at = now): TrailEntry => ({
  at,
  account: '123456789012',
  actor: 'arn:aws:iam::123456789012:user/ops',
  action: 'key.deactivate',
  user,
  accessKeyId: 'AKIAEXAMPLE000000001',
  outcome: 'success',
  reason: 'replacement is 7 days old',
});

describe('JSONL trail store', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keywarden-trail-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('appends concurrent in-process writers into one unbroken chain', async () => {
    const store = new JsonlTrailStore(join(dir, 'in-process.jsonl'));
    await Promise.all(Array.from({ length: 40 }, (_, n) => store.append(entry(`u${n}`))));
    const records = await readRecords(store);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, n) => n + 1));
    expect(await store.verify()).toMatchObject({ intact: true, records: 40 });
  });

  it('keeps one chain and every record when several processes append at once', async () => {
    const bundle = join(dir, 'appender.mjs');
    await build({ entryPoints: [APPENDER], outfile: bundle, bundle: true, platform: 'node', format: 'esm' });
    const file = join(dir, 'multi-process.jsonl');
    const writers = 4;
    const each = 25;
    const codes = await Promise.all(
      Array.from(
        { length: writers },
        (_, writer) =>
          new Promise<number | null>((resolve) => {
            const child = spawn(process.execPath, [bundle, file, String(each), String(writer)], {
              stdio: 'ignore',
            });
            child.on('exit', resolve);
          }),
      ),
    );
    expect(codes).toEqual(Array(writers).fill(0));
    const store = new JsonlTrailStore(file);
    const records = await readRecords(store);
    expect(await store.verify()).toMatchObject({ intact: true, records: writers * each });
    expect(new Set(records.map((r) => r.user)).size).toBe(writers * each);
  });

  it('reads the records of a period', async () => {
    const store = new JsonlTrailStore(join(dir, 'period.jsonl'));
    for (const day of [1, 5, 9]) await store.append(entry(`day-${day}`, new Date(Date.UTC(2026, 5, day))));
    const inPeriod = await readRecords(store, {
      from: new Date(Date.UTC(2026, 5, 2)),
      to: new Date(Date.UTC(2026, 5, 9)),
    });
    expect(inPeriod.map((r) => r.user)).toEqual(['day-5', 'day-9']);
  });

  describe('a trail with an unreadable line (issue #25 item 2)', () => {
    async function brokenTrail(name: string): Promise<JsonlTrailStore> {
      const file = join(dir, name);
      const store = new JsonlTrailStore(file);
      for (const day of [1, 5, 9]) await store.append(entry(`day-${day}`, new Date(Date.UTC(2026, 5, day))));
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      writeFileSync(file, `${[lines[0], '{"seq": 2, "at": tru', ...lines.slice(1)].join('\n')}\n`);
      return store;
    }

    it('reads the broken line as an unreadable entry naming its line, never as a hidden null', async () => {
      const store = await brokenTrail('hidden-null.jsonl');
      const stored = await store.read();
      expect(stored).toHaveLength(4);
      expect(stored).not.toContain(null);
      expect(stored[1]).toMatchObject({ unreadable: true, location: 'line 2', seq: null });
    });

    it('reads a period over the broken line without a TypeError, keeping the line for its caller', async () => {
      const store = await brokenTrail('period-over-broken.jsonl');
      const inPeriod = await store.read({ from: new Date(Date.UTC(2026, 5, 2)) });
      expect(inPeriod.map((stored) => ('unreadable' in stored ? stored.location : stored.user))).toEqual([
        'line 2',
        'day-5',
        'day-9',
      ]);
    });

    it('still names the broken record in trail verify', async () => {
      const store = await brokenTrail('verify-broken.jsonl');
      expect(await store.verify()).toMatchObject({ intact: false, firstBadSeq: 2 });
      expect((await store.verify()).problem).toContain('line 2');
    });
  });

  describe('keywarden trail verify', () => {
    async function trailOf(name: string, length: number): Promise<string> {
      const file = join(dir, name);
      const store = new JsonlTrailStore(file);
      for (let n = 1; n <= length; n++) await store.append(entry(`user-${n}`));
      return file;
    }
    const lines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n');

    it('exits 0 for an intact trail', async () => {
      const file = await trailOf('intact.jsonl', 3);
      const run = await runCli(['trail', 'verify', '--file', file], { cwd: dir, now });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('trail intact: 3 records');
    });

    const tampers: { name: string; tamper: (records: string[]) => string[]; seq: number }[] = [
      {
        name: 'an edited record',
        tamper: (r) => r.map((line, i) => (i === 2 ? line.replace('user-3', 'user-x') : line)),
        seq: 3,
      },
      { name: 'a deleted record', tamper: (r) => r.filter((_, i) => i !== 1), seq: 2 },
      { name: 'two reordered records', tamper: (r) => [r[0], r[2], r[1], r[3]] as string[], seq: 2 },
    ];
    for (const { name, tamper, seq } of tampers) {
      it(`exits 1 naming seq ${seq} for ${name}`, async () => {
        const file = await trailOf(`${name.replaceAll(' ', '-')}.jsonl`, 4);
        writeFileSync(file, `${tamper(lines(file)).join('\n')}\n`);
        const run = await runCli(['trail', 'verify', '--file', file], { cwd: dir, now });
        expect(run.code).toBe(1);
        expect(run.stdout).toContain(`trail broken at seq ${seq}:`);
      });
    }

    it('exits 2 with one line when no trail is named', async () => {
      const run = await runCli(['trail', 'verify'], { cwd: dir, now });
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    });
  });
});
