import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { DAY_MS } from '../../core/time.js';
import { JsonlTrailStore, S3TrailStore } from '../../core/trail/index.js';
import { docSection, fencedBlocks } from '../support/docs.js';
import { assumeRoleDenied, type FaultProxy, useMotoBehindFaultProxy } from '../support/fault-proxy.js';
import { captureIo } from '../support/io.js';
import { type Moto, motoAvailable } from '../support/moto.js';
import { type SeededOrganization, seedOrganization } from '../support/organization.js';

const asOf = new Date('2026-11-28T09:00:00Z');
const ROLE = 'keywarden-audit';
const OTHER_ACCOUNT = '999999999999';

interface Manifest {
  account: string;
  accounts?: Array<{
    account: string;
    name: string | null;
    trail?: { location: string; intact: boolean; firstBadSeq: number | null; records: number };
  }>;
  trail: { intact: boolean; packRecord: { seq: number; hash: string } | null };
}

describe.skipIf(!motoAvailable())(
  'keywarden evidence --accounts: one pack, one section per account (moto)',
  () => {
    let moto: Moto;
    let proxy: FaultProxy;
    let org: SeededOrganization;
    let dir: string;
    let trailFile: string;
    const id = (name: string) => org.accounts.get(name) as string;

    useMotoBehindFaultProxy((started, faults) => {
      moto = started;
      proxy = faults;
    });
    beforeEach(async () => {
      proxy.setFaults([]);
      await moto.reset();
      org = await seedOrganization(moto, asOf, [
        {
          name: 'payments',
          ou: 'prod',
          users: [
            { name: 'pay-ci', keys: [{ ageDays: 120 }] },
            { name: 'pay-batch', keys: [{ ageDays: 10 }] },
          ],
        },
        { name: 'research', users: [{ name: 'lab-sync', keys: [{ ageDays: 30 }] }] },
        { name: 'sandbox', ou: 'dev', users: [{ name: 'tinker', keys: [{ ageDays: 200 }] }] },
      ]);
      dir = mkdtempSync(join(tmpdir(), 'kw-evidence-accounts-'));
      trailFile = join(dir, 'trail.jsonl');
      // One trail holding the rotations of two accounts and a record of an account outside the pack.
      const trail = new JsonlTrailStore(trailFile);
      const rotated = [
        [id('payments'), 'pay-batch'],
        [id('research'), 'lab-sync'],
        [OTHER_ACCOUNT, 'elsewhere'],
      ] as const;
      for (const [account, user] of rotated) {
        await trail.append({
          at: new Date(asOf.getTime() - 10 * DAY_MS),
          account,
          actor: `arn:aws:sts::${account}:assumed-role/keywarden-rotation/lambda`,
          action: 'key.create',
          user,
          accessKeyId: null,
          outcome: 'success',
          reason: `rotated ${user} in ${account}`,
        });
      }
    });

    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    /** The argv of docs/evidence.md's `index`-th bash example (one command, `\` continuations). */
    function readmeExample(index: number): string[] {
      const example = fencedBlocks(docSection('docs/evidence.md', 'evidence'), 'bash')[index] ?? '';
      const argv = example.replace(/\\\n/g, ' ').trim().split(/\s+/);
      expect(argv.slice(0, 2)).toEqual(['keywarden', 'evidence']);
      return argv;
    }

    async function evidence(flags: string[]) {
      const captured = captureIo({ env: process.env, now: asOf, cwd: dir });
      const exitCode = await main(
        ['evidence', '--trail-file', trailFile, '--as-of', asOf.toISOString(), ...flags],
        captured.io,
      );
      return { exitCode, stdout: captured.stdout(), stderr: captured.stderr() };
    }
    const read = (out: string, file: string) => readFileSync(join(dir, out, file), 'utf8');
    /** The text of a Markdown section, from its heading to the next heading of the same level. */
    const section = (markdown: string, heading: string) => {
      const start = markdown.indexOf(`\n${heading}\n`);
      expect(start, heading).toBeGreaterThan(0);
      const end = markdown.indexOf('\n## ', start + heading.length + 2);
      return markdown.slice(start, end === -1 ? undefined : end);
    };

    it('writes one pack over the listed accounts with a section each: its keys and its trail records', async () => {
      // Act
      const run = await evidence([
        '--accounts',
        `${id('payments')},${id('research')}`,
        '--role-name',
        ROLE,
        '--out',
        'pack',
      ]);

      // Assess
      expect(run.stderr).not.toContain('Error');
      expect(run.exitCode).toBe(0);
      expect(readdirSync(join(dir, 'pack')).sort()).toEqual([
        'SHA256SUMS',
        'evidence.html',
        'evidence.md',
        'manifest.json',
      ]);
      const markdown = read('pack', 'evidence.md');
      expect(markdown).toContain('# Access key rotation evidence — 2 accounts');
      const payments = section(markdown, `## Account ${id('payments')}`);
      const research = section(markdown, `## Account ${id('research')}`);
      expect(payments).toContain('| pay-ci |');
      expect(payments).toContain('| pay-batch |');
      expect(payments).toContain(`rotated pay-batch in ${id('payments')}`);
      expect(payments).not.toContain('lab-sync');
      expect(research).toContain('| lab-sync |');
      expect(research).toContain(`rotated lab-sync in ${id('research')}`);
      expect(research).not.toContain('pay-ci');
      // The account outside the pack is counted, never shown; unlisted accounts are not audited.
      expect(markdown).not.toContain('elsewhere');
      expect(markdown).toContain('1 record(s) of other accounts in the period are not shown.');
      expect(markdown).not.toContain('tinker');
      expect(markdown).toMatch(
        new RegExp(`1 active access key is overdue for rotation .*, in 1 account: ${id('payments')}\\.`),
      );

      const html = read('pack', 'evidence.html');
      expect(html).toContain(`<section id="account-${id('payments')}" class="account">`);
      expect(html).toContain(`<section id="account-${id('research')}" class="account">`);
      const titleIds = [...html.matchAll(/<title id="([^"]+)"/g)].map((match) => match[1]);
      expect(new Set(titleIds).size).toBe(titleIds.length);

      const manifest = JSON.parse(read('pack', 'manifest.json')) as Manifest;
      expect(manifest.account).toBe('multiple');
      expect(manifest.accounts).toEqual([
        { account: id('payments'), name: null },
        { account: id('research'), name: null },
      ]);
      // The pack digest is recorded as the caller's act, in the caller's account.
      const last = readFileSync(trailFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
        .at(-1);
      expect(last).toMatchObject({
        seq: manifest.trail.packRecord?.seq,
        action: 'evidence.generated',
        account: org.management,
        user: '*',
      });
      expect(last.reason).toContain('over 2 accounts');
    });

    it('covers the organization: each account named in its section, the accounts without records told', async () => {
      // Act
      const run = await evidence(['--accounts', 'organization', '--role-name', ROLE, '--out', 'pack']);

      // Assess
      expect(run.exitCode).toBe(0);
      const markdown = read('pack', 'evidence.md');
      for (const name of ['payments', 'research', 'sandbox']) {
        expect(markdown).toContain(`## Account ${id(name)} — ${name}`);
      }
      expect(section(markdown, `## Account ${id('sandbox')} — sandbox`)).toContain(
        `_No rotation records for account ${id('sandbox')} in the period._`,
      );
      // The management account and sandbox have no rotation in the period: the reviewer is told which.
      expect(run.stderr).toContain('no rotation records in the period for 2 of 4 accounts');
      const status = section(markdown, '## Status');
      expect(status).toContain('for 2 of 4 accounts:');
      expect(status).toContain(id('sandbox'));
      expect(status).toContain(org.management);
    });

    it('refuses a pack when an account cannot be assumed: exit 3, nothing written, the trail untouched', async () => {
      // Prepare
      const missing = `arn:aws:iam::${id('research')}:role/${ROLE}`;
      proxy.setFaults([assumeRoleDenied(missing, `arn:aws:iam::${org.management}:user/moto`)]);
      const before = readFileSync(trailFile, 'utf8');

      // Act
      const run = await evidence([
        '--accounts',
        `${id('payments')},${id('research')}`,
        '--role-name',
        ROLE,
        '--out',
        'pack',
      ]);

      // Assess
      expect(run.exitCode).toBe(3);
      expect(run.stderr).toContain('1 of 2 accounts');
      expect(run.stderr).toContain('evidence needs a complete audit');
      expect(run.stderr).toContain(id('research'));
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(dir, 'pack'))).toBe(false);
      expect(readFileSync(trailFile, 'utf8')).toBe(before);
    });

    it('runs the docs/evidence.md example as written: the organization, an S3 trail, one pack', async () => {
      // Prepare: the guide's command, and the trail bucket it names, with a record of the payments account.
      const argv = readmeExample(0);
      const bucket = argv[argv.indexOf('--trail-bucket') + 1] as string;
      const out = argv[argv.indexOf('--out') + 1] as string;
      const s3 = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true });
      await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
      s3.destroy();
      await new S3TrailStore({ bucket, prefix: 'trail/', retentionDays: 2557 }).append({
        at: new Date(asOf.getTime() - DAY_MS),
        account: id('payments'),
        actor: 'lambda:keywarden-rotation',
        action: 'key.create',
        user: 'pay-batch',
        accessKeyId: null,
        outcome: 'success',
        reason: 'key age 80 days reached rotateAtDays 80',
      });
      const captured = captureIo({ env: process.env, now: asOf, cwd: dir });

      // Act
      const exitCode = await main([...argv.slice(1), '--as-of', asOf.toISOString()], captured.io);

      // Assess
      expect(captured.stderr()).toContain(`evidence written to ${out}`);
      expect(exitCode).toBe(0);
      const markdown = read(out, 'evidence.md');
      expect(section(markdown, `## Account ${id('payments')} — payments`)).toContain('key age 80 days');
      const manifest = JSON.parse(read(out, 'manifest.json')) as Manifest;
      expect(manifest.accounts?.map((entry) => entry.account).sort()).toEqual(
        [org.management, id('payments'), id('research'), id('sandbox')].sort(),
      );
    });

    it('refuses --accounts with a saved credential report, and the accounts options without --accounts (exit 2)', async () => {
      // Act
      const combined = await evidence([
        '--accounts',
        id('payments'),
        '--role-name',
        ROLE,
        '--credential-report',
        'report.csv',
        '--out',
        'pack',
      ]);
      const alone = await evidence(['--role-name', ROLE, '--out', 'pack']);

      // Assess
      expect(combined.exitCode).toBe(2);
      expect(combined.stderr).toContain('cannot be combined with --accounts');
      expect(alone.exitCode).toBe(2);
      expect(alone.stderr).toContain('need --accounts');
      expect(existsSync(join(dir, 'pack'))).toBe(false);
    });
    describe('with each account’s own trail (--account-trail-bucket)', () => {
      const TEMPLATE = 'kw-trail-{account}';
      /** An S3 client acting in `account`, as its rotation function would (moto keeps accounts apart). */
      async function s3In(account: string): Promise<S3Client> {
        const sts = new STSClient({ region: 'us-east-1', endpoint: moto.endpoint });
        const assumed = await sts.send(
          new AssumeRoleCommand({
            RoleArn: `arn:aws:iam::${account}:role/${ROLE}`,
            RoleSessionName: 'seed',
          }),
        );
        sts.destroy();
        const c = assumed.Credentials;
        return new S3Client({
          region: 'us-east-1',
          endpoint: moto.endpoint,
          forcePathStyle: true,
          credentials: {
            accessKeyId: c?.AccessKeyId as string,
            secretAccessKey: c?.SecretAccessKey as string,
            sessionToken: c?.SessionToken as string,
          },
        });
      }
      /** The account's own trail bucket with one record per user given, written with the account's credentials. */
      async function ownTrail(
        account: string,
        users: string[],
        recordAccount = account,
        template = TEMPLATE,
      ): Promise<S3Client> {
        const s3 = await s3In(account);
        const bucket = template.replace('{account}', account);
        await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
        const store = new S3TrailStore({ bucket, prefix: 'trail/', retentionDays: 2557, client: s3 });
        for (const user of users) {
          await store.append({
            at: new Date(asOf.getTime() - 5 * DAY_MS),
            account: user === 'elsewhere' ? OTHER_ACCOUNT : recordAccount,
            actor: 'lambda:keywarden-rotation',
            action: 'key.create',
            user,
            accessKeyId: null,
            outcome: 'success',
            reason: `own trail: rotated ${user}`,
          });
        }
        return s3;
      }
      const listed = () => ['--accounts', `${id('payments')},${id('research')}`, '--role-name', ROLE];

      it('reads and verifies each account’s trail through its role and shows its records in its section', async () => {
        // Prepare
        (await ownTrail(id('payments'), ['pay-ci', 'pay-batch'])).destroy();
        (await ownTrail(id('research'), ['lab-sync', 'elsewhere'])).destroy();

        // Act
        const run = await evidence([...listed(), '--account-trail-bucket', TEMPLATE, '--out', 'pack']);

        // Assess
        expect(run.stderr).not.toContain('BROKEN');
        expect(run.exitCode).toBe(0);
        const markdown = read('pack', 'evidence.md');
        const payments = section(markdown, `## Account ${id('payments')}`);
        expect(payments).toContain(`//kw-trail-${id('payments')}/trail/.`);
        expect(payments).toContain('**Trail verification:** INTACT: all 2 records verified');
        expect(payments).toContain('own trail: rotated pay-ci');
        expect(payments).not.toContain(`rotated pay-batch in ${id('payments')}`);
        const research = section(markdown, `## Account ${id('research')}`);
        expect(research).toContain('own trail: rotated lab-sync');
        expect(research).toContain('1 record(s) of other accounts in the period are not shown.');
        expect(markdown).not.toContain('own trail: rotated elsewhere');
        const manifest = JSON.parse(read('pack', 'manifest.json')) as Manifest;
        expect(manifest.accounts?.map((entry) => entry.trail)).toEqual([
          {
            location: `s3://kw-trail-${id('payments')}/trail/`,
            intact: true,
            firstBadSeq: null,
            records: 2,
          },
          {
            location: `s3://kw-trail-${id('research')}/trail/`,
            intact: true,
            firstBadSeq: null,
            records: 2,
          },
        ]);
        expect(manifest.trail.packRecord).not.toBeNull();
      });

      it('writes the pack BROKEN when one account’s trail was rewritten, exit 1, and appends no digest', async () => {
        // Prepare: a second version of research's first record, as an overwrite leaves it.
        (await ownTrail(id('payments'), ['pay-ci'])).destroy();
        const research = await ownTrail(id('research'), ['lab-sync']);
        await research.send(
          new PutObjectCommand({
            Bucket: `kw-trail-${id('research')}`,
            Key: 'trail/000000000001.json',
            Body: '{"rewritten":true}',
          }),
        );
        research.destroy();
        const before = readFileSync(trailFile, 'utf8');

        // Act
        const run = await evidence([...listed(), '--account-trail-bucket', TEMPLATE, '--out', 'pack']);

        // Assess
        expect(run.exitCode).toBe(1);
        expect(run.stderr).toContain(
          `keywarden: the trail of account ${id('research')} (s3://kw-trail-${id('research')}/trail/) is BROKEN at seq 1`,
        );
        expect(run.stderr).toContain("its digest was not appended to the pack's trail");
        const markdown = read('pack', 'evidence.md');
        expect(markdown.indexOf(`AUDIT TRAIL OF ACCOUNT ${id('research')} BROKEN at seq 1`)).toBeLessThan(
          markdown.indexOf('## Status'),
        );
        const manifest = JSON.parse(read('pack', 'manifest.json')) as Manifest;
        expect(manifest.trail.packRecord).toBeNull();
        expect(readFileSync(trailFile, 'utf8')).toBe(before);
      });

      it('refuses the pack when an account’s trail cannot be read: exit 3, nothing written', async () => {
        // Prepare: research has no trail bucket.
        (await ownTrail(id('payments'), ['pay-ci'])).destroy();
        const before = readFileSync(trailFile, 'utf8');

        // Act
        const run = await evidence([...listed(), '--account-trail-bucket', TEMPLATE, '--out', 'pack']);

        // Assess
        expect(run.exitCode).toBe(3);
        expect(run.stderr).toContain(`account:${id('research')}/trail`);
        expect(run.stderr).toContain('NoSuchBucket');
        expect(existsSync(join(dir, 'pack'))).toBe(false);
        expect(readFileSync(trailFile, 'utf8')).toBe(before);
      });

      it("runs the docs/evidence.md example of each account's own trail as written", async () => {
        // Prepare: every account of the organization keeps its trail; the hub's trail holds the digest.
        const argv = readmeExample(1);
        const template = argv[argv.indexOf('--account-trail-bucket') + 1] as string;
        expect(template).toBe('keywarden-trail-{account}');
        const accounts = [org.management, id('payments'), id('research'), id('sandbox')];
        for (const account of accounts) {
          (await ownTrail(account, ['pay-ci'], account, template)).destroy();
        }
        const hub = argv[argv.indexOf('--trail-bucket') + 1] as string;
        const hubS3 = await s3In(org.management);
        await hubS3.send(new CreateBucketCommand({ Bucket: hub, ObjectLockEnabledForBucket: true }));
        await new S3TrailStore({ bucket: hub, prefix: 'trail/', retentionDays: 2557, client: hubS3 }).append({
          at: new Date(asOf.getTime() - DAY_MS),
          account: org.management,
          actor: 'arn:aws:sts::123456789012:assumed-role/security/qa',
          action: 'notice',
          user: '*',
          accessKeyId: null,
          outcome: 'success',
          reason: 'quarterly review opened',
        });
        hubS3.destroy();
        const captured = captureIo({ env: process.env, now: asOf, cwd: dir });

        // Act
        const exitCode = await main([...argv.slice(1), '--as-of', asOf.toISOString()], captured.io);

        // Assess
        expect(captured.stderr()).toContain('evidence written to');
        expect(exitCode).toBe(0);
        const out = argv[argv.indexOf('--out') + 1] as string;
        const manifest = JSON.parse(read(out, 'manifest.json')) as Manifest;
        expect(manifest.accounts?.map((entry) => [entry.account, entry.trail?.intact]).sort()).toEqual(
          accounts.map((account) => [account, true]).sort(),
        );
        expect(manifest.trail.packRecord).not.toBeNull();
      });

      it('refuses a bucket name without {account}, and the option without --accounts (exit 2)', async () => {
        const fixed = await evidence([...listed(), '--account-trail-bucket', 'kw-trail', '--out', 'pack']);
        const alone = await evidence(['--account-trail-bucket', TEMPLATE, '--out', 'pack']);

        expect(fixed.exitCode).toBe(2);
        expect(fixed.stderr).toContain("name each account's bucket with {account}");
        expect(alone.exitCode).toBe(2);
        expect(alone.stderr).toContain('--account-trail-bucket needs --accounts');
        expect(existsSync(join(dir, 'pack'))).toBe(false);
      });
    });
  },
);
