import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/capture-io.js';

const now = new Date('2026-06-01T12:00:00Z');

describe('keywarden credentials refusing bad input (in-process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-credentials-cli-'));
  const cache = join(dir, 'cache', 'app.json');
  const cli = (args: string[], stdinText?: string) =>
    runCli(['credentials', '--user', 'app', '--cache', cache, ...args], {
      cwd: dir,
      now,
      env: {},
      stdinText,
    });

  it('refuses an Expiration shorter than the SDKs’ refresh window', async () => {
    const run = await cli(['--expiration-minutes', '5']);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "keywarden: error: option '--expiration-minutes <n>' argument '5' is invalid. must be a whole number from 15 to 720\n",
    );
  });

  it('says how to start when there is no cache, in one line, printing nothing', async () => {
    const run = await cli([]);

    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `keywarden: no cached key for app (${cache}): run \`keywarden credentials --user app --init\` first\n`,
    );
  });

  it('refuses standard input that holds no key, echoing none of it', async () => {
    const run = await cli(['--init'], 'AKIAIOSFODNN7EXAMPLE\n');

    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'keywarden: standard input holds no access key: give {"AccessKeyId": …, "SecretAccessKey": …} (or the output of aws iam create-access-key), or the ID and the secret on two lines\n',
    );
  });
});
