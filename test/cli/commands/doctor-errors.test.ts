import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../support/capture-io.js';

const now = new Date('2026-06-01T12:00:00Z');

/** An endpoint that answers every request with text that is not XML, as a proxy or a captive portal may. */
let portal: Server;
let portalUrl = '';
/** A port nothing listens on. */
let closedUrl = '';

beforeAll(async () => {
  portal = createServer((_request, response) => {
    const page = _request.url?.includes('page');
    response.writeHead(200, { 'content-type': page ? 'text/html' : 'text/plain' });
    response.end(
      page
        ? '<html><body><p>Sign in</p><p>to the guest network</p></body></html>'
        : 'Sign in to the guest network',
    );
  });
  await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
  portalUrl = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(() => new Promise((resolve) => portal.close(resolve)));
afterEach(() => vi.unstubAllEnvs());

/** This process's environment (the SDK reads it) and the CLI's are the same record. */
function useEnvironment(values: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: Record<string, string | undefined> = {
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: undefined,
    AWS_PROFILE: undefined,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: undefined,
    AWS_ENDPOINT_URL: undefined,
    KEYWARDEN_AWS_MAX_ATTEMPTS: '1',
    KEYWARDEN_DEBUG: undefined,
    ...values,
  };
  for (const [name, value] of Object.entries(base)) vi.stubEnv(name, value);
  return process.env;
}

const cli = (args: string[], env: NodeJS.ProcessEnv) => runCli(args, { cwd: process.cwd(), now, env });

describe('keywarden doctor when AWS cannot be reached', () => {
  it('says in one line that AWS cannot be reached, apart from missing credentials', async () => {
    const env = useEnvironment({ AWS_ENDPOINT_URL: closedUrl });

    const run = await cli(['doctor', '--trail-file', 'no-such.jsonl'], env);

    expect(run.stdout).toContain(
      'FAIL  credentials (STS): cannot reach AWS (ECONNREFUSED): check your network, a proxy, or AWS_ENDPOINT_URL',
    );
    expect(run.stdout).not.toContain('no usable AWS credentials');
    expect(run.code).toBe(1);
  });

  it('never prints the SDK’s raw parse error when something other than AWS answers', async () => {
    const env = useEnvironment({ AWS_ENDPOINT_URL: portalUrl });

    const run = await cli(['doctor', '--trail-file', 'no-such.jsonl'], env);

    const line = run.stdout.split('\n').find((text) => text.startsWith('FAIL  credentials')) ?? '';
    expect(line).toBe(
      'FAIL  credentials (STS): the AWS endpoint answered with something that is not an AWS response (HTTP 200): check AWS_ENDPOINT_URL, a proxy or your network',
    );
    expect(run.stdout).not.toMatch(/Deserialization error|XML parse error/);
  });

  it('fails, not passes "unknown in account unknown", when a web page answers in place of STS', async () => {
    const env = useEnvironment({ AWS_ENDPOINT_URL: `${portalUrl}/page` });

    const run = await cli(['doctor', '--trail-file', 'no-such.jsonl'], env);

    expect(run.stdout).toContain(
      'FAIL  credentials (STS): the AWS endpoint answered without an account or ARN, so it is not STS',
    );
    expect(run.stdout).not.toContain('unknown in account unknown');
    expect(run.code).toBe(1);
  });

  it('says that credentials are missing, with how to provide them', async () => {
    const env = useEnvironment({
      AWS_ENDPOINT_URL: closedUrl,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
    });

    const run = await cli(['doctor', '--trail-file', 'no-such.jsonl'], env);

    expect(run.stdout).toMatch(/FAIL {2}credentials \(STS\): no usable AWS credentials: /);
    expect(run.stdout).toContain('fix: set --profile or AWS_PROFILE');
    expect(run.stdout).not.toContain('cannot reach AWS');
  });

  it('does not tell the user to run keywarden doctor while it runs', async () => {
    const env = useEnvironment({ AWS_ENDPOINT_URL: closedUrl });

    const run = await cli(['doctor', '--trail-file', 'no-such.jsonl'], env);

    expect(`${run.stdout}${run.stderr}`).not.toContain('keywarden doctor');
  });
});

describe('KEYWARDEN_* environment values and --debug', () => {
  it('refuses an invalid KEYWARDEN_AWS_MAX_ATTEMPTS with exit 2, naming the variable and the allowed values', async () => {
    const env = useEnvironment({ AWS_ENDPOINT_URL: closedUrl, KEYWARDEN_AWS_MAX_ATTEMPTS: 'abc' });

    const run = await cli(['doctor'], env);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'keywarden: KEYWARDEN_AWS_MAX_ATTEMPTS="abc" is not valid: use a whole number from 1 to 20\n',
    );
    expect(run.stdout).toBe('');
  });

  it('refuses an invalid KEYWARDEN_DEBUG with exit 2', async () => {
    const env = useEnvironment({ KEYWARDEN_DEBUG: 'maybe' });

    const run = await cli(['doctor'], env);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'keywarden: KEYWARDEN_DEBUG="maybe" is not valid: use 1, true, yes, 0, false or no\n',
    );
  });

  it('prints the cause chain on stderr with --debug, and one line without it', async () => {
    const env = useEnvironment({ AWS_ENDPOINT_URL: closedUrl });
    const args = ['rotate', '--user', 'alice', '--dry-run', '--trail-file', 'no-such.jsonl'];

    const plain = await cli(args, env);
    const debug = await cli(['--debug', ...args], env);

    expect(plain.code).toBe(3);
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
    expect(debug.code).toBe(3);
    expect(debug.stderr.split('\n')[0]).toBe(plain.stderr.trim());
    expect(debug.stderr).toContain('IncompleteError: cannot resolve AWS credentials');
    expect(debug.stderr).toMatch(/caused by: .*ECONNREFUSED/);
  });
});

describe('region-bound commands without a region', () => {
  it('refuses keywarden rotate with exit 2 and how to set a region, instead of using us-east-1', async () => {
    const env = useEnvironment({ AWS_REGION: undefined, AWS_ENDPOINT_URL: closedUrl });

    const run = await cli(['rotate', '--user', 'alice', '--yes', '--trail-file', 'no-such.jsonl'], env);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'keywarden: no AWS region for keywarden rotate (Secrets Manager holds the key and its rotation state): set one with --region, AWS_REGION, or a region in your AWS profile (aws configure set region eu-central-1)\n',
    );
  });

  it('takes --region over the environment', async () => {
    const env = useEnvironment({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: closedUrl });

    const run = await cli(['doctor', '--region', 'eu-west-3', '--trail-file', 'no-such.jsonl'], env);

    expect(run.stdout).toContain('PASS  region: eu-west-3 (from --region)');
  });
});

describe('an S3 trail without a region', () => {
  it('refuses keywarden trail verify --bucket with exit 2 and how to set a region', async () => {
    const env = useEnvironment({ AWS_REGION: undefined, AWS_ENDPOINT_URL: closedUrl });

    const run = await cli(['trail', 'verify', '--bucket', 'trail-bucket'], env);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'keywarden: no AWS region for the S3 trail bucket: set one with --region, AWS_REGION, or a region in your AWS profile (aws configure set region eu-central-1)\n',
    );
  });
});

describe('the hint to run keywarden doctor', () => {
  it('is added at the edge when another command cannot reach AWS', async () => {
    const env = useEnvironment({ AWS_ENDPOINT_URL: closedUrl });

    const run = await cli(['rotate', '--user', 'alice', '--dry-run', '--trail-file', 'no-such.jsonl'], env);

    expect(run.stderr).toBe(
      'keywarden: cannot resolve AWS credentials (cannot reach AWS (ECONNREFUSED): check your network, a proxy, or AWS_ENDPOINT_URL); run keywarden doctor\n',
    );
  });
});

describe('credentials with a profile named', () => {
  it('says that the SDK ignores the environment’s keys once a profile is named', async () => {
    // A profile that exists, with a region and no credentials of its own.
    const config = join(mkdtempSync(join(tmpdir(), 'keywarden-profile-')), 'config');
    writeFileSync(config, '[profile nowhere]\nregion = eu-west-1\n');
    const env = useEnvironment({
      AWS_ENDPOINT_URL: closedUrl,
      AWS_PROFILE: 'nowhere',
      AWS_CONFIG_FILE: config,
    });

    const run = await cli(['doctor', '--trail-file', 'no-such.jsonl'], env);

    expect(run.stdout).toMatch(/FAIL {2}credentials \(STS\): no usable AWS credentials: /);
    expect(run.stdout).toContain(
      'fix: profile nowhere is named (AWS_PROFILE), so the SDK does not use AWS_ACCESS_KEY_ID: put credentials in that profile, or name no profile',
    );
  });

  it('refuses a profile that neither AWS file has, naming it, before any check (issue 22 item 6)', async () => {
    const env = useEnvironment({ AWS_ENDPOINT_URL: closedUrl, AWS_PROFILE: 'nowhere' });

    const run = await cli(['doctor', '--trail-file', 'no-such.jsonl'], env);

    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^keywarden: the config profile \(nowhere\) could not be found in \/dev\/null/,
    );
  });
});
