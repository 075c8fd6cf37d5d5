import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/capture-io.js';
import { motoAvailable } from '../support/moto.js';
import { LEASE_BUCKET, type RotationBed, SCOPE_TAG, useRotationSuite } from '../support/rotation-bed.js';
import { readRecords } from '../support/trail-records.js';

const now = new Date('2026-06-01T12:00:00Z');

describe.skipIf(!motoAvailable())('keywarden rotate and doctor against moto', () => {
  let bed: RotationBed;
  useRotationSuite(
    now,
    [
      { name: 'alice', tags: SCOPE_TAG, keys: [{ ageDays: 30, lastUsedDaysAgo: 1 }] },
      {
        name: 'two-active',
        keys: [
          { ageDays: 85, lastUsedDaysAgo: 1 },
          { ageDays: 20, lastUsedDaysAgo: 1 },
        ],
      },
    ],
    (_moto, ready) => {
      bed = ready;
    },
  );

  const cli = (args: string[], extra: { tty?: boolean; stdinText?: string } = {}) =>
    runCli(args, { cwd: bed.dir, now, ...extra });
  const trailArgs = () => ['--trail-file', bed.trailFile, '--lease-bucket', LEASE_BUCKET];

  it('prints the plan and changes nothing with --dry-run', async () => {
    const before = await bed.keys('alice');
    const run = await cli(['rotate', '--user', 'alice', '--dry-run', ...trailArgs()]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('alice: plan: rotation due');
    expect(run.stdout).toContain('create');
    expect(run.stdout).toContain('dry run: nothing changed');
    expect(await bed.keys('alice')).toEqual(before);
    expect(await bed.secretNames()).toEqual([]);
    expect(await readRecords(bed.trail)).toEqual([]);
  });

  it('rotates with --yes, stores the secret and writes the trail, never printing the secret', async () => {
    const run = await cli(['rotate', '--user', 'alice', '--yes', ...trailArgs()]);
    const stored = await bed.storedSecret('alice');
    const secret = stored?.SecretAccessKey ?? 'missing';
    expect(run.code).toBe(0);
    expect(await bed.keys('alice')).toHaveLength(2);
    expect(run.stdout).toContain(`done: create ${stored?.AccessKeyId}`);
    expect(run.stdout.includes(secret) || run.stderr.includes(secret)).toBe(false);
    expect(readFileSync(bed.trailFile, 'utf8').includes(secret)).toBe(false);
    expect((await readRecords(bed.trail)).map((r) => r.action)).toEqual([
      'key.create',
      'secret.store',
      'notice',
    ]);
  });

  it('says on stderr where trail records go when no store is named', async () => {
    const run = await cli(['rotate', '--user', 'alice', '--yes', '--lease-bucket', LEASE_BUCKET]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`trail records go to file ${join(bed.dir, 'keywarden-trail.jsonl')}`);
    expect(
      readFileSync(join(bed.dir, 'keywarden-trail.jsonl'), 'utf8').split('\n').filter(Boolean),
    ).toHaveLength(3);
  });

  it('asks at a terminal and changes nothing when the answer is no', async () => {
    const run = await cli(['rotate', '--user', 'alice', ...trailArgs()], { tty: true, stdinText: 'n\n' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('not confirmed: nothing changed');
    expect(await bed.keys('alice')).toHaveLength(1);
  });

  it('refuses to mutate without --yes when not at a terminal', async () => {
    const run = await cli(['rotate', '--user', 'alice', ...trailArgs()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'keywarden: rotate changes keys: pass --yes to confirm when not running at a terminal\n',
    );
    expect(await bed.keys('alice')).toHaveLength(1);
  });

  it('prints the secret once, with a warning, only when --deliver stdout is asked for', async () => {
    const run = await cli(['rotate', '--user', 'alice', '--yes', '--deliver', 'stdout', ...trailArgs()]);
    const stored = await bed.storedSecret('alice');
    const printed = /SecretAccessKey: (\S+)/.exec(run.stdout)?.[1] ?? '';
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('WARNING: --deliver stdout prints the new secret access key once');
    expect(printed.length).toBeGreaterThan(20);
    expect(run.stdout.split(printed)).toHaveLength(2);
    expect(stored?.AccessKeyId).toBe((await bed.keys('alice'))[1]?.id);
    expect(JSON.stringify(stored).includes(printed)).toBe(false);
    expect(readFileSync(bed.trailFile, 'utf8').includes(printed)).toBe(false);
    expect((await readRecords(bed.trail)).map((r) => r.action)).toContain('secret.deliver-stdout');
  });

  it('tells the owner after --deliver stdout that the key was shown once, never that Secrets Manager holds it', async () => {
    // Act
    const run = await cli(['rotate', '--user', 'alice', '--yes', '--deliver', 'stdout', ...trailArgs()]);

    // Assess
    const notice = run.stdout.slice(run.stdout.indexOf('notice for the owner:'));
    expect(run.code).toBe(0);
    expect(notice).not.toContain('is in Secrets Manager');
    expect(notice).not.toContain('get-secret-value');
    expect(notice).toContain('was shown once to the operator who ran keywarden rotate');
  });

  it('prints one JSON result with each planned step’s due instant and no secret, with --format json', async () => {
    // Act
    const run = await cli(['rotate', '--user', 'alice', '--yes', '--format', 'json', ...trailArgs()]);

    // Assess
    const stored = await bed.storedSecret('alice');
    const result = JSON.parse(run.stdout);
    expect(run.code).toBe(0);
    expect(result).toMatchObject({
      schemaVersion: 1,
      tool: { name: 'keywarden' },
      account: '123456789012',
      user: 'alice',
      at: now.toISOString(),
      dryRun: false,
      status: 'done',
      plan: [{ kind: 'create', keyId: null, dueAt: now.toISOString() }],
      results: [{ kind: 'create', keyId: stored?.AccessKeyId, outcome: 'done' }],
      notices: [{ kind: 'new-key' }],
      exitCode: 0,
    });
    expect(run.stdout.includes(stored?.SecretAccessKey ?? 'missing')).toBe(false);
  });

  it('prints the plan as JSON and changes nothing with --dry-run --format json', async () => {
    // Act
    const run = await cli(['rotate', '--user', 'alice', '--dry-run', '--format', 'json', ...trailArgs()]);

    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      dryRun: true,
      status: 'planned',
      plan: [{ kind: 'create' }],
      results: [],
      exitCode: 0,
    });
    expect(await bed.keys('alice')).toHaveLength(1);
  });

  it('refuses --format json with --deliver stdout, changing nothing', async () => {
    // Act
    const run = await cli([
      'rotate',
      '--user',
      'alice',
      '--yes',
      '--format',
      'json',
      '--deliver',
      'stdout',
      ...trailArgs(),
    ]);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'keywarden: --format json never carries a secret, and --deliver stdout prints one: choose one of them\n',
    );
    expect(run.stdout).toBe('');
    expect(await bed.keys('alice')).toHaveLength(1);
  });

  it('refuses an unknown user with one line and exit 2', async () => {
    const run = await cli(['rotate', '--user', 'nobody', '--yes', ...trailArgs()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('keywarden: user nobody does not exist in account 123456789012\n');
  });

  it('refuses a user with two active keys, changing nothing', async () => {
    const before = await bed.keys('two-active');
    const run = await cli(['rotate', '--user', 'two-active', '--yes', ...trailArgs()]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('refused, nothing changed: two active keys');
    expect(await bed.keys('two-active')).toEqual(before);
    expect(await bed.secretNames()).toEqual([]);
  });

  it('doctor passes for a healthy user and reports simulation as could-not-check', async () => {
    const run = await cli(['doctor', '--user', 'alice', ...trailArgs()]);
    expect(run.stdout).toMatch(/PASS {2}credentials \(STS\): .* in account 123456789012/);
    expect(run.stdout).toContain('SKIP  permissions for rotate: could not check');
    expect(run.stdout).toContain('PASS  rotation scope');
    expect(run.stdout).toContain('PASS  rotation plan: waiting');
    // The closing line counts every status (it said "all checks passed" with checks skipped).
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/^\d+ passed, 1 warned, 0 failed, 2 skipped$/);
    expect(run.code).toBe(0);
  });

  it('doctor fails with a fix hint for a user that rotation cannot handle', async () => {
    const run = await cli(['doctor', '--user', 'two-active', ...trailArgs()]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('FAIL  keys:');
    expect(run.stdout).toContain('fix: delete the key not in use');
    // Not enrolled is a warning with the fix (it failed the run); the blocked rotation still fails it.
    expect(run.stdout).toContain('WARN  rotation scope');
  });

  it('doctor fails on a broken trail', async () => {
    await cli(['rotate', '--user', 'alice', '--yes', ...trailArgs()]);
    const lines = readFileSync(bed.trailFile, 'utf8').trimEnd().split('\n');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(bed.dir, 'broken.jsonl'), `${[lines[0], lines[2]].join('\n')}\n`);
    const run = await cli(['doctor', '--trail-file', join(bed.dir, 'broken.jsonl')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('broken at seq 2');
  });
});
