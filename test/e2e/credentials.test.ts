import { execFile } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable } from '../support/aws-cli.js';
import { type Moto, motoAvailable, startMoto } from '../support/moto.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'keywarden.js');
const USER = 'app-consumer';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<Ran> {
  return new Promise((done) => {
    const child = execFile(command, args, { env, cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(stdin ?? '');
  });
}

/**
 * Between the consumer and moto: refuses every request signed with a key that AWS would no longer accept
 * (moto accepts deactivated keys), as AWS does: Secrets Manager and STS answer "invalid security token".
 */
async function startRevokingProxy(
  target: string,
): Promise<{ endpoint: string; revoke(id: string): void; close(): Promise<void> }> {
  const revoked = new Set<string>();
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const signedBy = /Credential=([A-Z0-9]+)\//.exec(request.headers.authorization ?? '')?.[1] ?? '';
    if (revoked.has(signedBy)) {
      const json = String(request.headers['x-amz-target'] ?? '').startsWith('secretsmanager.');
      response.writeHead(json ? 400 : 403, {
        'content-type': json ? 'application/x-amz-json-1.1' : 'text/xml',
      });
      response.end(
        json
          ? JSON.stringify({
              __type: 'UnrecognizedClientException',
              message: 'The security token included in the request is invalid.',
            })
          : '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>proxy</RequestId></ErrorResponse>',
      );
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(
        ([name, value]) =>
          typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name),
      ),
    ) as Record<string, string>;
    const upstream = await fetch(`${target}${request.url ?? '/'}`, {
      method: request.method ?? 'POST',
      headers,
      body: request.method === 'GET' ? undefined : Buffer.concat(chunks),
    });
    const forwarded: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (!['content-length', 'transfer-encoding', 'connection', 'content-encoding'].includes(name))
        forwarded[name] = value;
    });
    response.writeHead(upstream.status, forwarded);
    response.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    revoke: (id) => revoked.add(id),
    close: () =>
      new Promise((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
}

/** The credentials cache's contract: these fields and no others. */
const CACHE_FIELDS = ['accessKeyId', 'region', 'secretAccessKey', 'secretId', 'storedAt', 'user', 'version'];

describe.skipIf(!motoAvailable() || !awsCliAvailable('the credential_process tests'))(
  'keywarden credentials as the aws CLI credential_process, against moto',
  () => {
    let moto: Moto;
    let iam: IAMClient;
    let dir: string;
    let cache: string;
    let trail: string;
    let firstKey: { id: string; secret: string };
    /** Every output of every command run here except the helper's own stdout (which the SDK reads). */
    const outputs: string[] = [];
    const printedSecrets = new Set<string>();

    /** The admin side (rotate): moto's default credentials. */
    const adminEnv = () => ({ ...process.env, ...moto.env, AWS_CONFIG_FILE: '/dev/null' });
    /** The consumer: no credentials but the profile whose credential_process is keywarden. */
    const consumerEnv = (endpoint = moto.endpoint) => {
      const env: NodeJS.ProcessEnv = { ...process.env, ...moto.env, AWS_ENDPOINT_URL: endpoint };
      for (const name of [
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'AWS_SESSION_TOKEN',
        'AWS_REGION',
        'AWS_DEFAULT_REGION',
      ])
        delete env[name];
      return {
        ...env,
        AWS_CONFIG_FILE: join(dir, 'aws-config'),
        AWS_PROFILE: 'consumer',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      };
    };
    const helper = (args: string[], env: NodeJS.ProcessEnv, stdin?: string) =>
      run(process.execPath, [BIN, 'credentials', '--user', USER, '--cache', cache, ...args], env, stdin);
    const aws = async (args: string[], endpoint?: string) => {
      const ran = await run('aws', args, consumerEnv(endpoint));
      outputs.push(ran.stdout, ran.stderr);
      return ran;
    };
    const cached = () =>
      JSON.parse(readFileSync(cache, 'utf8')) as { accessKeyId: string; secretAccessKey: string };
    const lastUsed = async (id: string) =>
      (await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: id }))).AccessKeyLastUsed
        ?.LastUsedDate ?? null;

    beforeAll(async () => {
      moto = await startMoto();
      iam = new IAMClient({
        region: 'us-east-1',
        endpoint: moto.endpoint,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
      dir = mkdtempSync(join(tmpdir(), 'keywarden-credentials-'));
      chmodSync(dir, 0o700);
      mkdirSync(join(dir, 'cache'), { mode: 0o700 });
      cache = join(dir, 'cache', `${USER}.json`);
      trail = join(dir, 'trail.jsonl');
      const s3 = new S3Client({
        region: 'us-east-1',
        endpoint: moto.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
      await s3.send(new CreateBucketCommand({ Bucket: 'keywarden-leases' }));
      s3.destroy();
      await iam.send(new CreateUserCommand({ UserName: USER }));
      await iam.send(
        new TagUserCommand({ UserName: USER, Tags: [{ Key: 'keywarden:rotation', Value: 'enabled' }] }),
      );
      const created = await iam.send(new CreateAccessKeyCommand({ UserName: USER }));
      firstKey = {
        id: created.AccessKey?.AccessKeyId as string,
        secret: created.AccessKey?.SecretAccessKey as string,
      };
      printedSecrets.add(firstKey.secret);
      writeFileSync(
        join(dir, 'aws-config'),
        `[profile consumer]\nregion = us-east-1\ncredential_process = ${process.execPath} ${BIN} credentials --user ${USER} --cache ${cache}\n`,
      );
    }, 60_000);
    afterAll(async () => {
      iam?.destroy();
      await moto?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('takes the first key from standard input with --init, checking that it is the user’s own', async () => {
      // Act
      const init = await helper(
        ['--init'],
        { ...adminEnv(), AWS_REGION: 'us-east-1' },
        JSON.stringify({ AccessKey: { AccessKeyId: firstKey.id, SecretAccessKey: firstKey.secret } }),
      );
      outputs.push(init.stdout, init.stderr);

      // Assess
      expect(init.code).toBe(0);
      expect(init.stdout).toBe('');
      expect(init.stderr).toBe(
        `keywarden: cached key ${firstKey.id} of ${USER} (from standard input) in ${cache}; it follows keywarden/123456789012/${USER} (not created yet: the key is used until keywarden stores its successor there)\n`,
      );
      expect(statSync(cache).mode & 0o777).toBe(0o600);
      expect(cached().accessKeyId).toBe(firstKey.id);
      // Issue 25 item 4: the cache holds its contract's fields and nothing the SDK added (no `$source`).
      expect(Object.keys(cached()).sort()).toEqual(CACHE_FIELDS);
    });

    it('lets aws sts get-caller-identity run on the cached key through credential_process', async () => {
      // Act
      const identity = await aws(['sts', 'get-caller-identity', '--output', 'json']);

      // Assess: moto names the user whose key signed the call, and records that key as used.
      expect(identity.stderr).toBe('');
      expect(identity.code).toBe(0);
      expect(JSON.parse(identity.stdout).Arn).toBe(`arn:aws:iam::123456789012:user/${USER}`);
      expect(await lastUsed(firstKey.id)).not.toBeNull();
    });

    it('prints the credential_process JSON with a short Expiration', async () => {
      const printed = await helper(['--expiration-minutes', '30'], consumerEnv());
      outputs.push(printed.stderr);

      const json = JSON.parse(printed.stdout);
      expect(printed.code).toBe(0);
      expect(Object.keys(json)).toEqual(['Version', 'AccessKeyId', 'SecretAccessKey', 'Expiration']);
      expect(json).toMatchObject({ Version: 1, AccessKeyId: firstKey.id, SecretAccessKey: firstKey.secret });
      const minutes = (Date.parse(json.Expiration) - Date.now()) / 60_000;
      expect(minutes).toBeGreaterThan(28);
      expect(minutes).toBeLessThanOrEqual(30);
    });

    it('switches to the new key after keywarden rotate, replacing the cache atomically', async () => {
      // Prepare
      const before = statSync(cache);
      const rotated = await run(
        process.execPath,
        [BIN, 'rotate', '--user', USER, '--yes', '--trail-file', trail, '--lease-bucket', 'keywarden-leases'],
        adminEnv(),
      );
      outputs.push(rotated.stdout, rotated.stderr);
      expect(rotated.code).toBe(0);
      const newId = /done: create (AKIA[A-Z0-9]+)/.exec(rotated.stdout)?.[1] as string;
      expect(newId).toMatch(/^AKIA/);

      // Act
      const identity = await aws(['sts', 'get-caller-identity', '--output', 'json']);

      // Assess
      expect(identity.code).toBe(0);
      expect(JSON.parse(identity.stdout).Arn).toBe(`arn:aws:iam::123456789012:user/${USER}`);
      expect(cached().accessKeyId).toBe(newId);
      expect(await lastUsed(newId)).not.toBeNull();
      printedSecrets.add(cached().secretAccessKey);
      const after = statSync(cache);
      expect(after.ino).not.toBe(before.ino);
      expect(after.mode & 0o777).toBe(0o600);
      expect(readdirSync(join(dir, 'cache'))).toEqual([`${USER}.json`]);
      expect(Object.keys(cached()).sort()).toEqual(CACHE_FIELDS);
    });

    it('refuses a world-writable cache with one line, and the aws CLI shows it', async () => {
      // Prepare
      chmodSync(cache, 0o666);
      try {
        // Act
        const direct = await helper([], consumerEnv());
        const identity = await aws(['sts', 'get-caller-identity']);
        outputs.push(direct.stderr);

        // Assess
        expect(direct.code).toBe(2);
        expect(direct.stdout).toBe('');
        expect(direct.stderr).toBe(
          `keywarden: cache ${cache}: readable or writable by others (mode 0666); refused: delete it and run keywarden credentials --init again\n`,
        );
        expect(identity.code).not.toBe(0);
        expect(identity.stderr).toContain('readable or writable by others (mode 0666); refused');
      } finally {
        chmodSync(cache, 0o600);
      }
    });

    it('refuses a cache in a directory others can write to', async () => {
      chmodSync(join(dir, 'cache'), 0o777);
      try {
        const direct = await helper([], consumerEnv());
        outputs.push(direct.stderr);

        expect(direct.code).toBe(2);
        expect(direct.stderr).toBe(
          `keywarden: cache directory ${join(dir, 'cache')}: writable by everyone (mode 0777); refused: run chmod go-w ${join(dir, 'cache')}\n`,
        );
      } finally {
        chmodSync(join(dir, 'cache'), 0o700);
      }
    });

    it('says in one line what to do when the cached key has been deactivated', async () => {
      // Prepare: AWS refuses the cached key from now on.
      const proxy = await startRevokingProxy(moto.endpoint);
      const keyId = cached().accessKeyId;
      proxy.revoke(keyId);
      try {
        // Act
        const direct = await helper([], consumerEnv(proxy.endpoint));
        const identity = await aws(['sts', 'get-caller-identity'], proxy.endpoint);
        outputs.push(direct.stderr);

        // Assess
        const line = `keywarden: the cached key ${keyId} is no longer valid (UnrecognizedClientException): run \`keywarden credentials --user ${USER} --init\` with credentials that can read keywarden/123456789012/${USER}\n`;
        expect(direct.code).toBe(2);
        expect(direct.stdout).toBe('');
        expect(direct.stderr).toBe(line);
        expect(identity.code).not.toBe(0);
        expect(identity.stderr).toContain(line.trim());
        expect(identity.stderr).not.toMatch(/\n\s+at /);
      } finally {
        await proxy.close();
      }
    });

    it('recovers with --init from the secret, read with the caller’s current credentials', async () => {
      // Prepare: a lost cache.
      rmSync(cache);

      // Act
      const init = await helper(['--init'], { ...adminEnv(), AWS_REGION: 'us-east-1' });
      outputs.push(init.stdout, init.stderr);

      // Assess
      expect(init.code).toBe(0);
      expect(init.stdout).toBe('');
      expect(init.stderr).toMatch(/^keywarden: cached key AKIA\S+ of app-consumer \(from the secret\) in /);
      expect(statSync(cache).mode & 0o777).toBe(0o600);
    });

    it('leaves no secret access key in any log, trail or other output', () => {
      const trailText = readFileSync(trail, 'utf8');
      expect(printedSecrets.size).toBe(2);
      for (const secret of printedSecrets) {
        expect(secret.length).toBeGreaterThan(20);
        expect(trailText.includes(secret)).toBe(false);
        for (const output of outputs) expect(output.includes(secret)).toBe(false);
      }
    });
  },
);
