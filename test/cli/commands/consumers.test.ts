import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsCliAvailable } from '../../support/aws-cli.js';
import { runCli } from '../../support/capture-io.js';
import { configureLookup, eventsOf, lookupStats, seedEvents } from '../../support/cloudtrail.js';
import { type Moto, motoAvailable, startMoto } from '../../support/moto.js';

const usedAt = new Date('2026-11-20T10:00:00Z');
const asOf = new Date('2026-11-20T12:00:00Z');

describe.skipIf(!motoAvailable() || !awsCliAvailable('the consumers tests'))(
  'keywarden consumers against moto',
  () => {
    let moto: Moto;
    let iam: IAMClient;
    let dir: string;
    let key: { id: string; secret: string };

    /** Runs the aws CLI as the IAM user alice, against moto. */
    const asAlice = (args: string[]) =>
      new Promise<void>((done, fail) => {
        execFile(
          'aws',
          args,
          {
            env: {
              PATH: process.env.PATH ?? '',
              HOME: dir,
              ...moto.env,
              AWS_ACCESS_KEY_ID: key.id,
              AWS_SECRET_ACCESS_KEY: key.secret,
            },
            timeout: 60_000,
          },
          (error, _stdout, stderr) => (error ? fail(new Error(stderr)) : done()),
        );
      });
    const cli = (args: string[], env: Record<string, string> = {}) =>
      runCli(['consumers', '--user', 'alice', '--as-of', asOf.toISOString(), ...args], {
        cwd: dir,
        now: asOf,
        env: { ...moto.env, ...env },
      });

    beforeAll(async () => {
      moto = await startMoto();
      moto.useInThisProcess();
      dir = mkdtempSync(join(tmpdir(), 'keywarden-consumers-'));
      iam = new IAMClient({
        region: 'us-east-1',
        endpoint: moto.endpoint,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
    }, 60_000);
    afterAll(async () => {
      iam?.destroy();
      await moto?.stop();
    });
    beforeEach(async () => {
      await moto.reset();
      moto.setNow(new Date('2026-09-01T00:00:00Z'));
      await iam.send(new CreateUserCommand({ UserName: 'alice' }));
      const created = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
      key = { id: created?.AccessKeyId ?? '', secret: created?.SecretAccessKey ?? '' };
      moto.setNow(usedAt);
    });

    it('names the aws CLI that used the key: its user agent, its address, the services it called', async () => {
      await asAlice(['sts', 'get-caller-identity']);
      await asAlice(['s3', 'ls']);

      const run = await cli(['--format', 'json']);

      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report).toMatchObject({
        schemaVersion: 1,
        user: 'alice',
        account: '123456789012',
        region: 'us-east-1',
        since: '2026-08-22T12:00:00.000Z',
        until: asOf.toISOString(),
      });
      expect(report.keys).toHaveLength(1);
      const [only] = report.keys;
      expect(only).toMatchObject({
        accessKeyId: key.id,
        status: 'Active',
        lastUsed: { service: 's3', region: 'us-east-1' },
        truncated: false,
        truncatedBy: null,
        pages: 1,
        events: 2,
      });
      expect(only.createdAt).toMatch(/^2026-09-01T00:00:00/);
      expect(only.consumers).toHaveLength(1);
      expect(only.consumers[0]).toMatchObject({
        sourceIp: '127.0.0.1',
        services: ['s3.amazonaws.com', 'sts.amazonaws.com'],
        regions: ['us-east-1'],
        events: 2,
      });
      expect(only.consumers[0].userAgent).toMatch(/^aws-cli\/1\.\d+\.\d+ /);
      expect(Date.parse(only.consumers[0].lastSeen) - usedAt.getTime()).toBeLessThan(60_000);
    });

    it('sees only the region it reads, says which, and where else the key was last used', async () => {
      await asAlice(['s3', 'ls']);
      await asAlice(['secretsmanager', 'list-secrets', '--region', 'eu-west-1']);

      const east = await cli([]);
      const west = await cli(['--format', 'json'], { AWS_REGION: 'eu-west-1' });

      expect(east.code).toBe(0);
      expect(east.stdout).toContain('CloudTrail event history of us-east-1');
      expect(east.stdout).toMatch(/ {2}1 {2}127\.0\.0\.1 {2}s3 {8}us-east-1 /);
      expect(east.stdout).toContain('1 event in 1 page');
      expect(east.stdout).toContain(
        'last used in eu-west-1, whose event history this lookup does not read: run again with --region eu-west-1',
      );
      const [westKey] = JSON.parse(west.stdout).keys;
      expect(JSON.parse(west.stdout).region).toBe('eu-west-1');
      expect(westKey.consumers.map((consumer: { services: string[] }) => consumer.services)).toEqual([
        ['secretsmanager.amazonaws.com'],
      ]);
    });

    it('does not see data events: an S3 object upload is not in the event history', async () => {
      await asAlice(['s3', 'mb', 's3://consumers-bucket']);
      const file = join(dir, 'object.txt');
      execFileSync('sh', ['-c', `echo hello > ${file}`]);
      await asAlice(['s3', 'cp', file, 's3://consumers-bucket/object.txt']);

      const [only] = JSON.parse((await cli(['--format', 'json'])).stdout).keys;

      expect(only.events).toBe(1);
      expect(only.consumers[0].services).toEqual(['s3.amazonaws.com']);
    });

    it('follows every page, groups by address and agent, and stays within 2 requests a second', async () => {
      await configureLookup(moto, { rate: 2, burst: 1 });
      await seedEvents(moto, [
        ...eventsOf(key.id, 150, new Date('2026-11-19T00:00:00Z')),
        ...eventsOf(key.id, 60, new Date('2026-11-18T00:00:00Z'), {
          sourceIPAddress: '198.51.100.7',
          userAgent: 'Boto3/1.34.0 md/Botocore#1.34.0 Python/3.12',
          eventSource: 'sqs.amazonaws.com',
          awsRegion: 'us-east-1',
        }),
      ]);

      const started = performance.now();
      const run = await cli(['--format', 'json']);
      const elapsed = performance.now() - started;

      const [only] = JSON.parse(run.stdout).keys;
      expect(only).toMatchObject({ pages: 5, events: 210, truncated: false });
      expect(
        only.consumers.map((consumer: { sourceIp: string; events: number }) => [
          consumer.sourceIp,
          consumer.events,
        ]),
      ).toEqual([
        ['203.0.113.10', 150],
        ['198.51.100.7', 60],
      ]);
      // Five pages at two requests a second: the last starts at least 2 s after the first. A request the stand-in's
      // bucket refused anyway (arrival jitter on a loaded machine) was waited out and asked again.
      expect(elapsed).toBeGreaterThanOrEqual(2000);
      const stats = await lookupStats(moto);
      expect(stats.lookups - stats.throttled).toBe(5);
    });

    it('stops at --max-pages and says the answer is truncated, in JSON and in the table', async () => {
      await seedEvents(moto, eventsOf(key.id, 120, new Date('2026-11-19T00:00:00Z')));

      const json = await cli(['--format', 'json', '--max-pages', '2']);
      const table = await cli(['--max-pages', '2']);

      expect(JSON.parse(json.stdout).keys[0]).toMatchObject({
        truncated: true,
        truncatedBy: 'max-pages',
        pages: 2,
        events: 100,
      });
      expect(table.code).toBe(0);
      expect(table.stdout).toContain(
        'TRUNCATED: stopped after 2 pages (--max-pages): older uses were not read, and other consumers may exist',
      );
    });

    it('reads only the window: --days and --as-of bound it', async () => {
      await seedEvents(moto, [
        ...eventsOf(key.id, 1, new Date('2026-11-19T00:00:00Z'), { sourceIPAddress: '203.0.113.1' }),
        ...eventsOf(key.id, 1, new Date('2026-11-01T00:00:00Z'), { sourceIPAddress: '203.0.113.2' }),
        ...eventsOf(key.id, 1, new Date('2026-11-20T12:30:00Z'), { sourceIPAddress: '203.0.113.3' }),
      ]);

      const [only] = JSON.parse((await cli(['--format', 'json', '--days', '7'])).stdout).keys;

      expect(only.consumers.map((consumer: { sourceIp: string }) => consumer.sourceIp)).toEqual([
        '203.0.113.1',
      ]);
    });

    it('writes --output to a file', async () => {
      const output = join(dir, 'consumers.json');
      const run = await cli(['--format', 'json', '--output', output]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('');
      expect(JSON.parse(readFileSync(output, 'utf8')).user).toBe('alice');
    });

    it('exits 3 in one line when CloudTrail refuses the lookup', async () => {
      await configureLookup(moto, { failNext: ['AccessDeniedException'] });

      const run = await cli([]);

      expect(run.code).toBe(3);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(
        /^keywarden: CloudTrail event history in us-east-1 cannot be read: access denied \(the caller needs cloudtrail:LookupEvents\): AccessDeniedException\b.*\n$/,
      );
    });

    it.each([
      [['--days', '91'], "option '--days <n>' argument '91' is invalid. must be a whole number from 1 to 90"],
      [
        ['--max-pages', '0'],
        "option '--max-pages <n>' argument '0' is invalid. must be a whole number from 1 to 100000",
      ],
      [['--as-of', '2026-02-30'], '--as-of: "2026-02-30" is not a real calendar date'],
      [['--format', 'csv'], "option '--format <format>' argument 'csv' is invalid"],
    ])('refuses %j with exit 2 and one line', async (args, message) => {
      const run = await cli(args);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.split('\n')).toHaveLength(2);
      expect(run.stderr).toContain(message);
    });

    it('refuses a user that does not exist, and a missing region, with exit 2', async () => {
      const nobody = await runCli(['consumers', '--user', 'nobody'], { cwd: dir, now: asOf, env: moto.env });
      const { AWS_REGION: _, AWS_DEFAULT_REGION: __, ...noRegion } = moto.env;
      const regionless = await runCli(['consumers', '--user', 'alice'], {
        cwd: dir,
        now: asOf,
        env: noRegion,
      });

      expect([nobody.code, nobody.stderr]).toEqual([
        2,
        'keywarden: no IAM user named nobody in this account\n',
      ]);
      expect(regionless.code).toBe(2);
      expect(regionless.stderr).toMatch(/^keywarden: no AWS region for keywarden consumers/);
    });
  },
);
