import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyRecords } from '../../../core/trail/index.js';
import { runCli } from '../../support/capture-io.js';
import {
  FIXTURE_CONFIG,
  FIXTURE_GENERATED_AT,
  FIXTURE_REPORT,
  runFixtureEvidence,
  writeFixtureTrail,
} from '../../support/evidence-fixture.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

describe('keywarden evidence', () => {
  let dir: string;
  let trail: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keywarden-evidence-cli-'));
    trail = join(dir, 'trail.jsonl');
    await writeFixtureTrail(trail);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const evidence = (...extra: string[]) =>
    runFixtureEvidence(['--trail-file', trail, '--from', '2026-09-01'], extra, { cwd: dir });
  const trailLines = () => readFileSync(trail, 'utf8').trim().split('\n');

  it('writes a pack whose digests sha256sum confirms and whose pack digest is the last trail record', async () => {
    // Act
    const run = await evidence('--out', 'pack');

    // Assess
    expect(run.code).toBe(0);
    const pack = join(dir, 'pack');
    expect(readdirSync(pack).sort()).toEqual(['SHA256SUMS', 'evidence.html', 'evidence.md', 'manifest.json']);
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: pack, encoding: 'utf8' })).toBe(
      'evidence.html: OK\nevidence.md: OK\n',
    );
    const manifest = JSON.parse(readFileSync(join(pack, 'manifest.json'), 'utf8'));
    expect(manifest.packSha256).toBe(sha256(readFileSync(join(pack, 'SHA256SUMS'))));
    expect(manifest.config.sha256).toBe(sha256(readFileSync(FIXTURE_CONFIG)));
    const records = trailLines().map((line) => JSON.parse(line));
    const last = records.at(-1);
    expect(last).toMatchObject({ seq: 6, action: 'evidence.generated', account: '123456789012', user: '*' });
    expect(last.reason).toContain(manifest.packSha256);
    expect(manifest.trail.packRecord).toEqual({ seq: 6, hash: last.hash });
    expect(verifyRecords(records).intact).toBe(true);
    expect(run.stderr).toBe(
      `keywarden: evidence written to pack (pack sha256 ${manifest.packSha256}, trail seq 6)\n`,
    );
  });

  it('writes the same pack for the same input, so a reviewer can regenerate and compare', async () => {
    const original = readFileSync(trail);
    const first = await evidence('--out', 'first');
    writeFileSync(trail, original);
    const second = await evidence('--out', 'second');

    expect([first.code, second.code]).toEqual([0, 0]);
    expect(readFileSync(join(dir, 'second', 'evidence.md'), 'utf8')).toBe(
      readFileSync(join(dir, 'first', 'evidence.md'), 'utf8'),
    );
  });

  it('still writes evidence for a broken trail, says so, leaves the trail untouched and exits 1', async () => {
    const lines = trailLines();
    lines[2] = lines[2]!.replace('keywarden/123456789012/build-bot', 'edited afterwards');
    writeFileSync(trail, `${lines.join('\n')}\n`);
    const before = readFileSync(trail);

    const run = await evidence('--out', 'pack');

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^keywarden: the trail is BROKEN at seq 3 \(.+\); evidence written to pack says so; its digest was not appended to the broken trail\n$/,
    );
    expect(readFileSync(trail).equals(before)).toBe(true);
    expect(readFileSync(join(dir, 'pack', 'evidence.html'), 'utf8')).toContain('AUDIT TRAIL BROKEN at seq 3');
    expect(readFileSync(join(dir, 'pack', 'evidence.md'), 'utf8')).toContain('AUDIT TRAIL BROKEN at seq 3');
    const manifest = JSON.parse(readFileSync(join(dir, 'pack', 'manifest.json'), 'utf8'));
    expect(manifest.trail).toMatchObject({ intact: false, firstBadSeq: 3, packRecord: null });
  });

  it('writes evidence of an empty period with a note, and exits 0', async () => {
    const run = await evidence('--to', '2026-09-30', '--out', 'pack');

    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'keywarden: note: no rotation records for account 123456789012 in the period; the evidence says so\n',
    );
    expect(readFileSync(join(dir, 'pack', 'evidence.md'), 'utf8')).toContain(
      '_No rotation records for account 123456789012 in the period._',
    );
  });

  it('writes a pack that says there are no rotation records, carrying the audit, when the default trail does not exist yet (issue 22 item 4)', async () => {
    // Act: an audit-only deployment; nothing has been rotated, so there is no trail file.
    const run = await runCli(
      ['evidence', '--credential-report', FIXTURE_REPORT, '--config', FIXTURE_CONFIG, '--out', 'pack'],
      { cwd: dir, now: FIXTURE_GENERATED_AT },
    );

    // Assess
    const markdown = readFileSync(join(dir, 'pack', 'evidence.md'), 'utf8');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/keywarden-trail\.jsonl holds no trail records yet/);
    expect(markdown).toContain('No rotation records for account 123456789012 in the period');
    expect(markdown).toContain('svc-vendor-appliance');
    // The pack's own record starts the trail, and verifies.
    const started = readFileSync(join(dir, 'keywarden-trail.jsonl'), 'utf8').trim().split('\n');
    expect(started.map((line) => JSON.parse(line).action)).toEqual(['evidence.generated']);
  });

  it('writes a pack for an empty trail file too (issue 22 item 4)', async () => {
    // Prepare
    writeFileSync(join(dir, 'empty.jsonl'), '');

    // Act
    const run = await runFixtureEvidence(['--trail-file', join(dir, 'empty.jsonl')], ['--out', 'pack'], {
      cwd: dir,
    });

    // Assess
    expect(run.code).toBe(0);
    expect(readFileSync(join(dir, 'pack', 'evidence.html'), 'utf8')).toContain(
      'No rotation records for account 123456789012 in the period.',
    );
  });

  describe('refuses bad input with one line, exit 2 and nothing written', () => {
    const refusals: [string, () => string[], RegExp][] = [
      [
        '--from is after --to',
        () => ['--from', '2026-11-02', '--to', '2026-11-01'],
        /^keywarden: --from 2026-11-02T00:00:00\.000Z is after --to/,
      ],
      [
        '--prefix comes without --trail-bucket',
        () => ['--prefix', 'x/'],
        /^keywarden: --trail-prefix applies only with --trail-bucket\n$/,
      ],
      [
        '--out is not empty',
        () => {
          mkdirSync(join(dir, 'pack'));
          writeFileSync(join(dir, 'pack', 'old.html'), 'x');
          return [];
        },
        /^keywarden: --output pack: the directory is not empty/,
      ],
    ];
    for (const [what, extra, message] of refusals) {
      it(`when ${what}`, async () => {
        const args = extra();
        const before = readFileSync(trail);

        const run = await evidence(...args, '--out', 'pack');

        expect(run.code).toBe(2);
        expect(run.stderr).toMatch(message);
        expect(run.stderr.trim().split('\n')).toHaveLength(1);
        expect(readFileSync(trail).equals(before)).toBe(true);
        const pack = join(dir, 'pack');
        expect(existsSync(pack) ? readdirSync(pack).filter((name) => name !== 'old.html') : []).toEqual([]);
      });
    }

    it('when --out lies under a file', async () => {
      writeFileSync(join(dir, 'a-file'), 'x');

      const run = await evidence('--out', 'a-file/pack');

      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^keywarden: --output a-file\/pack: .*a-file is not a directory\n$/);
    });
  });
});
