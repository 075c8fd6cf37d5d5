import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SECRET_PREFIX } from '../../core/aws/permissions.js';
import { EXPIRATION_MINUTES } from '../../core/credentials/expiration.js';
import type { Io } from '../io.js';
import { wholeNumber } from '../options.js';

interface CredentialsOptions {
  user: string;
  secretId?: string;
  cache?: string;
  region?: string;
  profile?: string;
  init?: boolean;
  expirationMinutes: number;
}

export function registerCredentials(program: Command, io: Io, setExitCode: (code: number) => void): void {
  program
    .command('credentials')
    .description(
      "The credential_process helper: prints the user's current access key for the AWS SDKs and CLI, following rotation by itself.",
    )
    .requiredOption('--user <name>', 'the IAM user whose key this is')
    .option(
      '--secret-id <id>',
      `the secret keywarden stores the key in (default: ${SECRET_PREFIX}<account>/<user>)`,
    )
    .option(
      '--cache <file>',
      'the cache file (default: $XDG_CACHE_HOME or ~/.cache, keywarden/credentials/<user>.json)',
    )
    .option('--region <region>', 'the region of the secret (default: the one found at --init)')
    .option('--profile <profile>', 'with --init: the profile whose credentials read the secret')
    .option(
      '--init',
      'take the first key from standard input, or else from the secret with your current credentials',
    )
    .option(
      '--expiration-minutes <n>',
      'how soon the SDK asks again (and so picks up a rotation)',
      wholeNumber(EXPIRATION_MINUTES),
      EXPIRATION_MINUTES.default,
    )
    .action(async (options: CredentialsOptions) => setExitCode(await credentials(options, io)));
}

async function credentials(options: CredentialsOptions, io: Io): Promise<number> {
  // Loaded here, not at start: only this command pays for it.
  const { awsCalls, currentCredentials, defaultCachePath, initCredentials } = await import(
    '../../core/credentials/index.js'
  );
  const request = {
    user: options.user,
    secretId: options.secretId,
    cacheFile: options.cache
      ? resolve(io.cwd, options.cache)
      : defaultCachePath(io.env, homedir(), options.user),
    region: options.region,
    profile: options.profile,
    expirationMinutes: options.expirationMinutes,
    clock: io.clock,
  };
  if (options.init) {
    const keyText = io.stdin.isTTY ? null : await readAll(io.stdin);
    const done = await initCredentials(request, keyText, awsCalls({ profile: options.profile, env: io.env }));
    io.stderr.write(
      `keywarden: cached key ${done.accessKeyId} of ${options.user} (from ${done.from}) in ${done.cacheFile}; it follows ${done.secretId}${done.secretMissing ? ' (not created yet: the key is used until keywarden stores its successor there)' : ''}\n`,
    );
    return 0;
  }
  // The only place a secret is printed: standard output, read by the SDK that runs this command.
  io.stdout.write(`${JSON.stringify(await currentCredentials(request, awsCalls({ env: io.env })))}\n`);
  return 0;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    total += bytes.length;
    // A key is under 200 bytes; stop reading anything that is clearly not one.
    if (total > 64 * 1024) break;
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8');
}
