import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.js';
import { captureIo } from '../support/io.js';

describe('--profile and --region', () => {
  it.each([['audit'], ['rotate'], ['doctor'], ['trail', 'verify'], ['evidence']])(
    'are options of keywarden %s',
    async (...command) => {
      const captured = captureIo();

      const exitCode = await main([...command, '--help'], captured.io);

      expect(exitCode).toBe(0);
      expect(captured.stdout()).toContain('--profile <name>');
      expect(captured.stdout()).toContain('--region <region>');
    },
  );

  it('lists --debug among the global options', async () => {
    const captured = captureIo();

    await main(['--help'], captured.io);

    expect(captured.stdout()).toContain('--debug');
  });
});

describe('a --region or --profile that cannot be right (issue 22 item 6)', () => {
  const env = (dir: string) => ({
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    // Nothing may be reached: a call to AWS would fail with a network error, not a usage error.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
    AWS_SECRET_ACCESS_KEY: 'example',
  });
  const dir = () => {
    const made = mkdtempSync(join(tmpdir(), 'keywarden-aws-'));
    writeFileSync(join(made, 'config'), '[profile ops]\nregion = eu-west-1\n');
    writeFileSync(
      join(made, 'credentials'),
      '[ops]\naws_access_key_id = AKIAEXAMPLEEXAMPLE01\naws_secret_access_key = x\n',
    );
    return made;
  };
  const commands: string[][] = [
    ['audit', '--source', 'api'],
    ['rotate', '--user', 'alice', '--dry-run'],
    ['doctor'],
    ['trail', 'verify', '--trail-bucket', 'trail-bucket'],
  ];

  it.each(commands)(
    'refuses --region "eu central" on %s with exit 2 naming the option',
    async (...command) => {
      const captured = captureIo({ env: env(dir()) });

      const exitCode = await main([...command, '--region', 'eu central'], captured.io);

      expect(exitCode).toBe(2);
      expect(captured.stderr()).toBe(
        'keywarden: --region "eu central" is not an AWS region name (one looks like eu-central-1)\n',
      );
    },
  );

  it.each(commands)('refuses --region mars-1 on %s before anything touches AWS', async (...command) => {
    const captured = captureIo({ env: env(dir()) });

    const exitCode = await main([...command, '--region', 'mars-1'], captured.io);

    expect(exitCode).toBe(2);
    expect(captured.stderr()).toBe(
      'keywarden: --region "mars-1" is not an AWS region name (one looks like eu-central-1)\n',
    );
  });

  it.each(commands)('names a misspelt --profile on %s, as the aws CLI does', async (...command) => {
    const captured = captureIo({ env: env(dir()) });

    const exitCode = await main([...command, '--profile', 'opps'], captured.io);

    expect(exitCode).toBe(2);
    expect(captured.stderr()).toMatch(/^keywarden: the config profile \(opps\) could not be found in /);
  });

  it('accepts a region of every partition, and one AWS has not opened yet', async () => {
    const { regionProblem } = await import('../../core/aws/clients.js');
    for (const region of [
      'us-east-1',
      'eu-central-2',
      'ap-southeast-7',
      'us-gov-west-1',
      'cn-northwest-1',
      'us-iso-east-1',
      'us-isob-east-1',
      'eu-isoe-west-1',
      'us-isof-south-1',
      'eusc-de-east-1',
      'mx-central-1',
      'xy-newplace-9',
    ])
      expect(regionProblem(region, { kind: 'flag' })).toBeNull();
  });
});

describe('warnings a user cannot act on (issue 22 item 9)', () => {
  it('keeps the SDK’s "Multiple credential sources" warning off stderr when --profile chose the profile', async () => {
    // Prepare: a profile with its own keys, and keys in the environment as well (a CI job's); --profile decides.
    const made = mkdtempSync(join(tmpdir(), 'keywarden-aws-'));
    writeFileSync(join(made, 'config'), '[profile ops]\nregion = eu-west-1\n');
    writeFileSync(
      join(made, 'credentials'),
      '[ops]\naws_access_key_id = AKIAEXAMPLEEXAMPLE01\naws_secret_access_key = x\n',
    );
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_CONFIG_FILE: join(made, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(made, 'credentials'),
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
      AWS_SECRET_ACCESS_KEY: 'example',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      KEYWARDEN_AWS_MAX_ATTEMPTS: '1',
    });
    const warned: unknown[] = [];
    const spy = vi.spyOn(console, 'warn').mockImplementation((...args) => {
      warned.push(args.join(' '));
    });
    try {
      const captured = captureIo({ env: process.env });

      // Act
      await main(['audit', '--source', 'api', '--profile', 'ops'], captured.io);

      // Assess
      expect(warned.filter((text) => String(text).includes('Multiple credential sources'))).toEqual([]);
    } finally {
      spy.mockRestore();
      process.env = saved;
    }
  });
});
