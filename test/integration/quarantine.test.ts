import { readFileSync } from 'node:fs';
import { AttachUserPolicyCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/capture-io.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { type Moto, motoAvailable } from '../support/moto.js';
import { LEASE_BUCKET, type RotationBed, SCOPE_TAG, useRotationSuite } from '../support/rotation-bed.js';
import { readRecords } from '../support/trail-records.js';

const now = new Date('2026-06-01T12:00:00Z');
const V2 = 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2';
/** AWS managed policies (the quarantine ones among them) exist in moto only when it loads them. */
const WITH_MANAGED_POLICIES = { env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' } };

describe.skipIf(!motoAvailable())('a user AWS quarantined, against moto with AWS managed policies', () => {
  let moto: Moto;
  let bed: RotationBed;
  useRotationSuite(
    now,
    [
      { name: 'alice', tags: SCOPE_TAG, keys: [{ ageDays: 10, lastUsedDaysAgo: 1 }] },
      { name: 'dave', tags: SCOPE_TAG, keys: [{ ageDays: 10, lastUsedDaysAgo: 1 }] },
      { name: 'carol', keys: [{ ageDays: 10, lastUsedDaysAgo: 1 }] },
    ],
    (started, ready) => {
      moto = started;
      bed = ready;
    },
    WITH_MANAGED_POLICIES,
  );
  const quarantine = (user: string) =>
    bed.iam.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: V2 }));
  const cli = (args: string[], env?: NodeJS.ProcessEnv) => runCli(args, { cwd: bed.dir, now, env });
  const verdicts = (stdout: string) =>
    Object.fromEntries(
      (JSON.parse(stdout).findings as { user: string; verdict: string }[]).map((f) => [f.user, f.verdict]),
    );

  it.each([
    ['the API source', ['--source', 'api']],
    ['a live credential report', []],
  ])('finds the quarantined user compromised through %s, and only that user', async (_, source) => {
    // Prepare
    await quarantine('alice');

    // Act
    const run = await cli(['audit', ...source, '--format', 'json']);

    // Assess
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      schemaVersion: 3,
      complete: true,
      summary: { compromised: 1, violations: 1 },
    });
    expect(verdicts(run.stdout)).toEqual({ alice: 'compromised', dave: 'compliant', carol: 'compliant' });
    const alice = report.findings.find((f: { user: string }) => f.user === 'alice');
    expect(alice.accessKeyId).toMatch(/^AKIA/);
    expect(alice.reason).toContain('AWS attached AWSCompromisedKeyQuarantineV2 to this user');
    expect(alice.controls).toContainEqual({ framework: '21-cfr-part-11', id: '11.300(c)' });
  });

  it('makes a live credential-report audit incomplete (exit 3) when the quarantine cannot be read', async () => {
    // Prepare: IAM denies ListEntitiesForPolicy (who carries a quarantine policy).
    await quarantine('alice');
    const proxy = await startFaultProxy(moto.endpoint);
    proxy.setFaults([
      {
        action: 'ListEntitiesForPolicy',
        code: 'AccessDenied',
        status: 403,
        message: 'not authorized to perform: iam:ListEntitiesForPolicy',
      },
    ]);

    // Act
    process.env.AWS_ENDPOINT_URL = proxy.endpoint;
    const run = await cli(['audit', '--format', 'json']).finally(async () => {
      process.env.AWS_ENDPOINT_URL = moto.endpoint;
      await proxy.close();
    });

    // Assess: never a silent "not compromised".
    expect(run.code).toBe(3);
    const report = JSON.parse(run.stdout);
    expect(report.complete).toBe(false);
    expect(report.gaps).toEqual([
      {
        scope: 'account',
        reason: expect.stringContaining("ListEntitiesForPolicy (AWS's quarantine): AccessDenied"),
      },
    ]);
  });

  it("makes an API audit incomplete (exit 3) when one user's attached policies cannot be read", async () => {
    const proxy = await startFaultProxy(moto.endpoint);
    proxy.setFaults([
      {
        action: 'ListAttachedUserPolicies',
        userName: 'dave',
        code: 'AccessDenied',
        status: 403,
        message: 'not authorized to perform: iam:ListAttachedUserPolicies',
      },
    ]);

    process.env.AWS_ENDPOINT_URL = proxy.endpoint;
    const run = await cli(['audit', '--source', 'api', '--format', 'json']).finally(async () => {
      process.env.AWS_ENDPOINT_URL = moto.endpoint;
      await proxy.close();
    });

    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout).gaps).toEqual([
      { scope: 'user:dave', reason: expect.stringContaining('ListAttachedUserPolicies: AccessDenied') },
    ]);
  });

  it('rotates a quarantined user with keywarden rotate at once: new key stored, the exposed key deactivated', async () => {
    // Prepare
    await quarantine('alice');
    const [exposed] = await bed.keys('alice');

    // Act
    const run = await cli([
      'rotate',
      '--user',
      'alice',
      '--yes',
      '--trail-file',
      bed.trailFile,
      '--lease-bucket',
      LEASE_BUCKET,
    ]);

    // Assess
    expect(run.code).toBe(0);
    const keys = await bed.keys('alice');
    const stored = await bed.storedSecret('alice');
    expect(keys.map((k) => [k.id === exposed?.id ? 'exposed' : 'new', k.status])).toEqual([
      ['exposed', 'Inactive'],
      ['new', 'Active'],
    ]);
    expect(stored?.AccessKeyId).toBe(keys[1]?.id);
    const records = await readRecords(bed.trail);
    expect(records.map((r) => `${r.action} ${r.accessKeyId === exposed?.id ? 'exposed' : 'new'}`)).toEqual([
      'key.create new',
      'secret.store new',
      'notice new',
      'key.deactivate exposed',
    ]);
    expect(records[0]?.reason).toContain('AWS quarantined alice (AWSCompromisedKeyQuarantineV2)');
    expect(records[3]?.reason).toContain('deactivated as soon as its replacement was stored');
    expect(run.stdout).toContain(
      'AWS quarantined this key: AWS attached AWSCompromisedKeyQuarantineV2 to alice',
    );
    const secret = stored?.SecretAccessKey ?? 'missing';
    expect(run.stdout.includes(secret) || readFileSync(bed.trailFile, 'utf8').includes(secret)).toBe(false);
  });

  it('leaves the new key alone on the next runs, while the quarantine stays attached', async () => {
    // Prepare: the first run answered the quarantine.
    await quarantine('alice');
    await bed.run({ users: ['alice'] });
    const [exposed, answer] = await bed.keys('alice');

    // Act: the scheduled run a day later, and a manual dry run.
    bed.setNow(new Date(now.getTime() + 86_400_000));
    const next = await bed.run();

    // Assess: nothing happened to alice's answer key (Cloud Custodian deactivated every key of a matched user).
    const alice = next.users.find((u) => u.user === 'alice');
    expect(alice?.status).toBe('waiting');
    expect(alice?.next?.what).toBe(`delete ${exposed?.id}`);
    expect((await bed.keys('alice')).map((k) => [k.id, k.status])).toEqual([
      [exposed?.id, 'Inactive'],
      [answer?.id, 'Active'],
    ]);
  });

  it('rotates a user outside the rotation scope by hand, as for any user (rotate names users whatever their tags)', async () => {
    await quarantine('carol');

    const run = await cli([
      'rotate',
      '--user',
      'carol',
      '--yes',
      '--trail-file',
      bed.trailFile,
      '--lease-bucket',
      LEASE_BUCKET,
    ]);

    expect(run.code).toBe(0);
    expect((await bed.keys('carol')).map((k) => k.status)).toEqual(['Inactive', 'Active']);
  });

  it('sends the owner a notice that says why the key went at once', async () => {
    await quarantine('alice');

    await bed.run({ users: ['alice'] });

    const notices = (await bed.notices()).map(
      (body) => JSON.parse(body) as { Subject: string; Message: string },
    );
    const newKey = notices.find((n) => n.Subject.includes('new access key'));
    expect(newKey?.Subject).toBe('keywarden: AWS quarantined an exposed key of alice: new access key');
    expect(newKey?.Message).toContain('is deactivated in this same run, whatever its use.');
  });
});
