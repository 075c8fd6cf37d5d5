import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumersJson, consumersTable } from '../../core/consumers/render.js';
import { sampleReport } from '../core/consumers/fixtures.js';
import { eventsOf, seedEvents } from '../support/cloudtrail.js';
import { type Moto, motoAvailable, startMoto } from '../support/moto.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DOC = join(ROOT, 'docs', 'consumers.md');
const guide = readFileSync(DOC, 'utf8');
const blocks = (language: string) =>
  [...guide.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map(
    (match) => match[1] ?? '',
  );

/** The report the guide's examples show, built as keywarden builds one. */
const shown = sampleReport();

describe('docs/consumers.md', () => {
  it('shows the table exactly as keywarden renders it', () => {
    expect(blocks('text')[0]).toBe(consumersTable(shown));
  });

  it('shows the JSON contract exactly as keywarden writes it', () => {
    expect(JSON.parse(blocks('json')[0] ?? '')).toEqual(JSON.parse(consumersJson(shown)));
  });

  it('links only to files that exist', () => {
    const links = [...guide.matchAll(/\]\((?!https?:)([^)#]+)/g)].map((match) => match[1] ?? '');
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(existsSync(resolve(dirname(DOC), link)), link).toBe(true);
  });

  it('states the cost table from the limits keywarden uses', async () => {
    const { DEFAULT_MAX_PAGES, EVENTS_PER_PAGE } = await import('../../core/consumers/limits.js');
    expect(guide).toContain(
      `| ${(DEFAULT_MAX_PAGES * EVENTS_PER_PAGE).toLocaleString('en-US')} (the default \`--max-pages ${DEFAULT_MAX_PAGES}\`) | ${DEFAULT_MAX_PAGES} | ${DEFAULT_MAX_PAGES / 2} s |`,
    );
  });
});

describe.skipIf(!motoAvailable() || !existsSync(join(ROOT, 'dist', 'cli.js')))(
  'docs/consumers.md commands, run against moto',
  () => {
    let moto: Moto;
    let dir: string;

    beforeAll(async () => {
      moto = await startMoto();
      dir = mkdtempSync(join(tmpdir(), 'keywarden-consumers-doc-'));
      const iam = new IAMClient({
        region: 'us-east-1',
        endpoint: moto.endpoint,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
      await iam.send(new CreateUserCommand({ UserName: 'app-reporting' }));
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'app-reporting' }))).AccessKey;
      iam.destroy();
      await seedEvents(moto, [
        ...eventsOf(key?.AccessKeyId ?? '', 3, new Date()),
        ...eventsOf(key?.AccessKeyId ?? '', 2, new Date(), { awsRegion: 'eu-west-1' }),
      ]);
    }, 60_000);
    afterAll(async () => {
      await moto?.stop();
    });

    it('runs each command of the guide', () => {
      const [commands = ''] = blocks('sh');
      const script = `keywarden() { node ${JSON.stringify(join(ROOT, 'bin', 'keywarden.js'))} "$@"; }\n${commands}`;
      const run = spawnSync('sh', ['-eu', '-c', script], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', HOME: dir, ...moto.env },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(
        /^consumers of app-reporting · account 123456789012 · CloudTrail event history of us-east-1 /,
      );
      const written = JSON.parse(readFileSync(join(dir, 'consumers.json'), 'utf8'));
      expect(written.region).toBe('eu-west-1');
      expect(written.keys[0].events).toBe(2);
    });
  },
);
