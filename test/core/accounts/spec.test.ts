import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAccountsSpec, sessionNameFor } from '../../../core/accounts/index.js';
import { UsageError } from '../../../core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'kw-spec-'));
const sources = { cwd: dir, readStdin: async () => '333333333333\n' };

describe('parseAccountsSpec', () => {
  it('reads organization with the units to limit it to', async () => {
    expect(await parseAccountsSpec('organization', ['ou-ab12-cdefgh34', 'r-ab12'], sources)).toEqual({
      kind: 'organization',
      organizationalUnits: ['ou-ab12-cdefgh34', 'r-ab12'],
    });
  });

  it('reads a comma-separated list, dropping repeats', async () => {
    expect(await parseAccountsSpec('111111111111, 222222222222,111111111111', [], sources)).toEqual({
      kind: 'list',
      accounts: ['111111111111', '222222222222'],
    });
  });

  it('reads a file of IDs with comments, and standard input for -', async () => {
    writeFileSync(join(dir, 'ids.txt'), '# prod\n111111111111 # payments\n\n222222222222\n');
    expect(await parseAccountsSpec('ids.txt', [], sources)).toEqual({
      kind: 'list',
      accounts: ['111111111111', '222222222222'],
    });
    expect(await parseAccountsSpec('-', [], sources)).toEqual({ kind: 'list', accounts: ['333333333333'] });
  });

  it.each([
    ['1234567890', [], '"1234567890" is not a 12-digit AWS account ID'],
    ['organization', ['prod'], '--ou prod: not an organizational unit ID'],
    ['111111111111', ['ou-ab12-cdefgh34'], '--ou needs --accounts organization'],
    ['', [], '--accounts: empty'],
    ['missing.txt', [], '--accounts missing.txt: cannot read the account list (no such file)'],
    ['sub', [], '--accounts sub: not a regular file'],
  ])('refuses %j (units %j) naming what is wrong', async (spec, units, message) => {
    mkdirSync(join(dir, 'sub'), { recursive: true });
    const attempt = parseAccountsSpec(spec, units, sources);
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(parseAccountsSpec(spec, units, sources)).rejects.toThrow(message);
  });

  it('refuses a file that names a bad ID, naming the file', async () => {
    writeFileSync(join(dir, 'bad.txt'), '111111111111\nprod-account\n');
    await expect(parseAccountsSpec('bad.txt', [], sources)).rejects.toThrow(
      '--accounts bad.txt: "prod-account" is not a 12-digit AWS account ID',
    );
  });
});

describe('sessionNameFor', () => {
  it('names keywarden and the run in a valid STS session name of at most 64 characters', () => {
    expect(sessionNameFor('4242-1')).toBe('keywarden-audit-4242-1');
    expect(sessionNameFor('x'.repeat(100))).toHaveLength(64);
    expect(sessionNameFor('run/with spaces')).toBe('keywarden-audit-run-with-spaces');
  });
});
