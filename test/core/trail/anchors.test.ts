import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonlTrailStore, seal, type TrailEntry, type TrailRecord } from '../../../core/trail/index.js';
import { runCli } from '../../support/capture-io.js';

// The JSONL attacks of issue 11: each leaves a self-consistent chain, so only an anchor can tell.
const now = new Date('2026-06-01T12:00:00Z');

const entry = (user: string): TrailEntry => ({
  at: now,
  account: '123456789012',
  actor: 'arn:aws:iam::123456789012:user/ops',
  action: 'key.deactivate',
  user,
  accessKeyId: 'AKIAEXAMPLE000000001',
  outcome: 'success',
  reason: 'replacement is 7 days old',
});

/** Seals the records' entries again from seq 1, as an attacker with the documented format can. */
function reseal(records: readonly TrailRecord[]): TrailRecord[] {
  const sealed: TrailRecord[] = [];
  for (const { at, account, actor, action, user, accessKeyId, outcome, reason } of records) {
    sealed.push(
      seal(
        { at: new Date(at), account, actor, action, user, accessKeyId, outcome, reason },
        sealed.at(-1) ?? null,
      ),
    );
  }
  return sealed;
}

describe('trail verify --anchor (JSONL)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keywarden-anchor-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function trailOf(name: string, length: number): Promise<{ file: string; records: TrailRecord[] }> {
    const file = join(dir, name);
    const store = new JsonlTrailStore(file);
    const records: TrailRecord[] = [];
    for (let n = 1; n <= length; n++) records.push(await store.append(entry(`user-${n}`)));
    return { file, records };
  }
  const anchorFile = (name: string, record: TrailRecord) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify({ seq: record.seq, hash: record.hash }));
    return file;
  };
  const write = (file: string, records: readonly TrailRecord[]) =>
    writeFileSync(file, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
  const verify = (...args: string[]) => runCli(['trail', 'verify', ...args], { cwd: dir, now });

  it('exits 0 and says the anchors hold when the trail still holds the anchored record', async () => {
    // Prepare
    const { file, records } = await trailOf('holds.jsonl', 5);
    const anchor = anchorFile('holds-anchor.json', records[2] as TrailRecord);

    // Act
    const run = await verify('--trail-file', file, '--anchor', anchor);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('trail intact: 5 records');
    expect(run.stdout).toContain('1 anchor hold');
  });

  const attacks: {
    name: string;
    tamper: (records: TrailRecord[]) => TrailRecord[];
    brokenAt: number;
    says: string;
  }[] = [
    {
      // Issue 22 item 8: the first missing record is named, not seq 1 (records 1–3 still chain).
      name: 'the last records are dropped',
      tamper: (r) => r.slice(0, 3),
      brokenAt: 4,
      says: 'seq 4 to 5 are missing: the trail ends at seq 3',
    },
    {
      name: 'a record is edited and the chain re-sealed',
      tamper: (r) => reseal(r.map((record) => (record.seq === 2 ? { ...record, user: 'nobody' } : record))),
      brokenAt: 1,
      says: 're-sealed or replaced at or before seq 5',
    },
    {
      name: 'one record is dropped and all re-sealed',
      tamper: (r) => reseal(r.filter((record) => record.seq !== 2)),
      brokenAt: 5,
      says: 'anchor seq 5',
    },
  ];
  for (const { name, tamper, brokenAt, says } of attacks) {
    it(`exits 1 naming the anchor when ${name}`, async () => {
      // Prepare: the newest record was anchored (an evidence pack), then the trail was rewritten.
      const slug = name.replaceAll(' ', '-');
      const { file, records } = await trailOf(`${slug}.jsonl`, 5);
      const anchor = anchorFile(`${slug}-anchor.json`, records[4] as TrailRecord);
      write(file, tamper(records));
      const withoutAnchor = await verify('--trail-file', file);

      // Act
      const run = await verify('--trail-file', file, '--anchor', anchor);

      // Assess: the chain alone vouches for the rewrite; the anchor does not.
      expect(withoutAnchor.code).toBe(0);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`trail broken at seq ${brokenAt}:`);
      expect(run.stdout).toContain(says);
    });
  }

  it('takes an evidence manifest as the anchor, and trusts records up to an earlier anchor that holds', async () => {
    // Prepare: anchors at seq 2 (manifest) and seq 4; records after seq 2 are re-sealed.
    const { file, records } = await trailOf('two-anchors.jsonl', 5);
    const manifest = join(dir, 'manifest.json');
    const [, second, , fourth] = records as [TrailRecord, TrailRecord, TrailRecord, TrailRecord];
    writeFileSync(
      manifest,
      JSON.stringify({ schemaVersion: 1, trail: { packRecord: { seq: 2, hash: second.hash } } }),
    );
    const later = anchorFile('later.json', fourth);
    write(
      file,
      reseal(records.map((record) => (record.seq === 3 ? { ...record, reason: 'edited' } : record))),
    );

    // Act
    const run = await verify('--file', file, '--anchor', manifest, '--anchor', later, '--format', 'json');

    // Assess
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ schemaVersion: 1, intact: false, records: 5, firstBadSeq: 3 });
    expect(report.anchors).toEqual([
      { seq: 2, hash: second.hash, source: manifest, holds: true },
      { seq: 4, hash: fourth.hash, source: later, holds: false },
    ]);
    expect(report.breaks).toEqual([expect.objectContaining({ seq: 3, kind: 'anchor' })]);
  });

  it('verifies the default trail, ./keywarden-trail.jsonl, when no trail is named (issue 22 item 4)', async () => {
    // Prepare: rotate and evidence write here when no trail is named.
    const own = mkdtempSync(join(tmpdir(), 'keywarden-default-trail-'));
    const store = new JsonlTrailStore(join(own, 'keywarden-trail.jsonl'));
    for (const user of ['a', 'b']) await store.append(entry(user));

    // Act
    const run = await runCli(['trail', 'verify'], { cwd: own, now });

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `trail intact: 2 records in file ${join(own, 'keywarden-trail.jsonl')} (the default trail)\n`,
    );
  });

  it('refuses, naming the default, when no trail is named and none is there', async () => {
    const own = mkdtempSync(join(tmpdir(), 'keywarden-default-trail-'));

    const run = await runCli(['trail', 'verify'], { cwd: own, now });

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `keywarden: ${join(own, 'keywarden-trail.jsonl')} (the default trail): no trail records (name the trail with --trail-file or --trail-bucket, or the config's trail: section)\n`,
    );
  });

  it('reports an intact trail as JSON with the documented fields', async () => {
    // Prepare
    const { file } = await trailOf('json.jsonl', 2);

    // Act
    const run = await verify('--trail-file', file, '--format', 'json');

    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      schemaVersion: 1,
      store: `file ${file}`,
      intact: true,
      records: 2,
      firstBadSeq: null,
      breaks: [],
      anchors: [],
      signing: null,
    });
  });

  describe('refuses bad input with one line and exit 2', () => {
    const cases: { what: string; args: () => string[]; says: string }[] = [
      {
        what: 'an anchor file that is not JSON',
        args: () => {
          writeFileSync(join(dir, 'not-json.json'), 'seq 5');
          return ['--anchor', join(dir, 'not-json.json')];
        },
        says: 'not JSON',
      },
      {
        what: 'an anchor without a hash',
        args: () => {
          writeFileSync(join(dir, 'no-hash.json'), '{"seq": 5}');
          return ['--anchor', join(dir, 'no-hash.json')];
        },
        says: '64-hex-digit "hash"',
      },
      {
        what: 'a manifest of a broken trail (no trail record)',
        args: () => {
          writeFileSync(join(dir, 'broken-manifest.json'), '{"trail": {"packRecord": null}}');
          return ['--anchor', join(dir, 'broken-manifest.json')];
        },
        says: 'no trail record',
      },
      {
        what: 'an anchor file that does not exist',
        args: () => ['--anchor', join(dir, 'absent.json')],
        says: 'cannot read',
      },
      {
        what: '--trail-file and --file that differ',
        args: () => ['--file', 'other.jsonl'],
        says: 'give one of them',
      },
    ];
    for (const { what, args, says } of cases) {
      it(`when given ${what}`, async () => {
        // Prepare
        const { file } = await trailOf(`bad-${what.replaceAll(' ', '-')}.jsonl`, 1);

        // Act
        const run = await verify('--trail-file', file, ...args());

        // Assess
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(says);
        expect(run.stderr.trim().split('\n')).toHaveLength(1);
      });
    }
  });

  it('reads the same trail through --trail-file and its alias --file', async () => {
    // Prepare
    const { file } = await trailOf('alias.jsonl', 3);

    // Act
    const [primary, alias] = [await verify('--trail-file', file), await verify('--file', file)];

    // Assess
    expect(primary).toEqual(alias);
    expect(primary.stdout).toContain('trail intact: 3 records');
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(4);
  });
});
