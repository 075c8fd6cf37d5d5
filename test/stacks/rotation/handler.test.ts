import { AttachUserPolicyCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../core/policy/schema.js';
import { DAY_MS } from '../../../core/time.js';
import { publicKeyFromKms, S3TrailStore, verifyTrail } from '../../../core/trail/index.js';
import { functionEnvironment } from '../../../stacks/rotation/function.js';
import { createHandler, type LambdaContext } from '../../../stacks/rotation/handler.js';
import { seedIam } from '../../support/iam-seed.js';
import { type Moto, motoAvailable, startMoto } from '../../support/moto.js';
import { readRecords } from '../../support/trail-records.js';

const ACCOUNT = '123456789012';
const AS_OF = new Date('2026-11-28T06:00:00Z');
const BUCKET = 'keywarden-trail-test';
const LEASE_BUCKET = 'keywarden-leases-test';
// moto's Secrets Manager records the key ID without asking KMS.
const KMS_KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0`;
const ENROLLED = { 'keywarden:rotation': 'enabled' };

describe.skipIf(!motoAvailable())('rotation handler against moto', () => {
  let moto: Moto;
  let env: NodeJS.ProcessEnv;
  let noticeQueueUrl: string;
  let output: string;
  const client = <T>(Client: new (config: object) => T): T =>
    new Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true, maxAttempts: 2 });

  beforeAll(async () => {
    // AWS managed policies (the quarantine policies among them) exist in moto only when it loads them.
    moto = await startMoto({ env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' } });
    moto.useInThisProcess();
  });
  afterAll(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    moto.setNow(AS_OF);
    await client(S3Client).send(
      new CreateBucketCommand({ Bucket: BUCKET, ObjectLockEnabledForBucket: true }),
    );
    await client(S3Client).send(new CreateBucketCommand({ Bucket: LEASE_BUCKET }));
    const sns = client(SNSClient);
    const topic = await sns.send(new CreateTopicCommand({ Name: 'keywarden-notices' }));
    const sqs = client(SQSClient);
    noticeQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'notices' }))).QueueUrl as string;
    const queueArn = (
      await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: noticeQueueUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes?.QueueArn as string;
    await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: 'sqs', Endpoint: queueArn }));
    const policy = parseConfig(
      { trail: { bucket: BUCKET }, rotation: { lease: { bucket: LEASE_BUCKET } } },
      { asOf: AS_OF },
    );
    env = {
      ...process.env,
      ...functionEnvironment(policy, topic.TopicArn as string, KMS_KEY_ARN),
    };
    output = '';
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk) => {
        output += String(chunk);
        return true;
      });
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** A Lambda context with `budgetMs` left, whose clock (wallClock) moves `stepMs` at every reading. */
  function lambda(
    budgetMs: number,
    stepMs = 0,
    asOf = AS_OF,
    event: unknown = { source: 'keywarden-schedule' },
  ) {
    let now = 0;
    const wallClock = () => {
      now += stepMs;
      return now;
    };
    const context: LambdaContext = {
      functionName: 'keywarden-rotation',
      awsRequestId: 'request-1',
      getRemainingTimeInMillis: () => budgetMs,
    };
    const handler = createHandler({ clock: () => asOf, wallClock, safetyMarginMs: () => 0, env });
    return () => handler(event, context);
  }

  const keysOf = async (user: string) =>
    (await client(IAMClient).send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata ?? [];
  const trailRecords = () =>
    readRecords(
      new S3TrailStore({
        bucket: BUCKET,
        prefix: 'trail/',
        retentionDays: 2557,
        client: client(S3Client),
      }),
    );
  const metricsOf = (text: string) =>
    text
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  /** Every notice published since the last call, as SNS delivered it to the subscribed queue. */
  async function notices(): Promise<{ kind: string; text: string }[]> {
    const received = await client(SQSClient).send(
      new ReceiveMessageCommand({ QueueUrl: noticeQueueUrl, MaxNumberOfMessages: 10 }),
    );
    return (received.Messages ?? []).map((message) => {
      const delivered = JSON.parse(String(message.Body));
      return { kind: delivered.MessageAttributes?.kind?.Value, text: delivered.Message };
    });
  }
  const summaries = async () => (await notices()).filter((notice) => notice.kind === 'summary');

  it('rotates the due keys of enrolled users, records each change, and reports the overdue count', async () => {
    // Prepare
    await seedIam(moto, AS_OF, [
      { name: 'alice', tags: ENROLLED, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] },
      { name: 'bob', tags: ENROLLED, keys: [{ ageDays: 10, lastUsedDaysAgo: 1 }] },
      { name: 'carol', keys: [{ ageDays: 120, lastUsedDaysAgo: 1 }] },
    ]);

    // Act
    const report = await lambda(900_000)();

    // Assess
    expect(report).toMatchObject({ account: ACCOUNT, complete: true, overdueKeys: 0 });
    expect(report.counts.done).toBe(1);
    expect(await keysOf('alice')).toHaveLength(2);
    expect(await keysOf('bob')).toHaveLength(1);
    expect(await keysOf('carol')).toHaveLength(1);
    const secret = await client(SecretsManagerClient).send(
      new DescribeSecretCommand({ SecretId: `keywarden/${ACCOUNT}/alice` }),
    );
    expect(secret.KmsKeyId).toBe(KMS_KEY_ARN);
    const records = await trailRecords();
    expect(records.map((record) => [record.user, record.action, record.actor])).toEqual(
      expect.arrayContaining([
        ['alice', 'key.create', 'lambda:keywarden-rotation'],
        ['alice', 'secret.store', 'lambda:keywarden-rotation'],
      ]),
    );
    expect(records.every((record) => record.user === 'alice')).toBe(true);
    const [metrics] = metricsOf(output);
    expect(metrics).toMatchObject({
      OverdueKeys: 0,
      FailedUsers: 0,
      DeferredUsers: 0,
      service: 'keywarden-rotation',
    });
    expect(metrics?.KeyMutations).toBeGreaterThan(0);
    expect(await summaries()).toHaveLength(1);
  });

  it('signs every trail record with the stack key the environment names, and verify checks them', async () => {
    // Prepare
    const created = await client(KMSClient).send(
      new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
    );
    const signingKey = created.KeyMetadata?.Arn ?? '';
    const config = JSON.parse(String(env.KEYWARDEN_CONFIG));
    env = { ...env, KEYWARDEN_CONFIG: JSON.stringify({ ...config, trail: { ...config.trail, signingKey } }) };
    await seedIam(moto, AS_OF, [
      { name: 'alice', tags: ENROLLED, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] },
    ]);

    // Act
    await lambda(900_000)();
    const store = new S3TrailStore({
      bucket: BUCKET,
      prefix: 'trail/',
      retentionDays: 2557,
      client: client(S3Client),
    });
    const { verification } = await verifyTrail(store, {
      signatures: { keyArn: signingKey, fetchPublicKey: (arn) => publicKeyFromKms(arn) },
    });

    // Assess
    const records = await trailRecords();
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((record) => record.signingKey === signingKey && record.signature)).toBe(true);
    expect(verification).toMatchObject({ intact: true, signing: { signedRecords: records.length } });
  });

  it('deactivates the old key on the first run after deactivateAfterDays, with its trail record', async () => {
    // Prepare
    const ids = await seedIam(moto, AS_OF, [
      { name: 'alice', tags: ENROLLED, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] },
    ]);
    await lambda(900_000)();
    const weekLater = new Date(AS_OF.getTime() + 8 * DAY_MS);
    moto.setNow(weekLater);

    // Act
    const report = await lambda(900_000, 0, weekLater)();

    // Assess
    expect(report.counts.done).toBe(1);
    const oldKey = (await keysOf('alice')).find((key) => key.AccessKeyId === ids.get('alice')?.[0]);
    expect(oldKey?.Status).toBe('Inactive');
    const deactivations = (await trailRecords()).filter((record) => record.action === 'key.deactivate');
    expect(deactivations.map((record) => [record.user, record.accessKeyId])).toEqual([
      ['alice', ids.get('alice')?.[0]],
    ]);
  });

  it('keeps the new secret out of the logs, the metrics, the trail and the notices', async () => {
    // Prepare
    await seedIam(moto, AS_OF, [
      { name: 'alice', tags: ENROLLED, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] },
    ]);

    // Act
    await lambda(900_000)();

    // Assess
    const stored = await client(SecretsManagerClient).send(
      new GetSecretValueCommand({ SecretId: `keywarden/${ACCOUNT}/alice` }),
    );
    const secretAccessKey = JSON.parse(stored.SecretString as string).SecretAccessKey as string;
    expect(secretAccessKey.length).toBeGreaterThan(20);
    const places = {
      output,
      trail: JSON.stringify(await trailRecords()),
      notices: JSON.stringify(await notices()),
    };
    const leaks = Object.entries(places)
      .filter(([, text]) => text.includes(secretAccessKey))
      .map(([place]) => place);
    expect(leaks).toEqual([]);
  });

  it('counts an enrolled user’s overdue key in the metric and the summary notice', async () => {
    // Prepare
    await seedIam(moto, AS_OF, [
      { name: 'dave', tags: ENROLLED, keys: [{ ageDays: 200, lastUsedDaysAgo: 1 }] },
    ]);

    // Act
    const report = await lambda(900_000)();

    // Assess
    expect(report.overdueKeys).toBeGreaterThan(0);
    expect(metricsOf(output)[0]?.OverdueKeys).toBe(report.overdueKeys);
    const [summary, ...more] = await summaries();
    expect(more).toEqual([]);
    expect(summary?.text).toContain(`${report.overdueKeys} active key(s) of users in scope are overdue`);
  });

  it('does nothing on a second run the same day: no mutation, no trail record, no notice', async () => {
    // Prepare
    await seedIam(moto, AS_OF, [
      { name: 'alice', tags: ENROLLED, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] },
    ]);
    await lambda(900_000)();
    const recordsAfterFirst = (await trailRecords()).length;
    await notices();
    output = '';

    // Act
    const report = await lambda(900_000)();

    // Assess
    expect(report.counts.done).toBe(0);
    expect((await trailRecords()).length).toBe(recordsAfterFirst);
    expect(metricsOf(output)[0]?.KeyMutations).toBe(0);
    expect(await notices()).toEqual([]);
  });

  it('stops starting users when the time budget is spent, and the next run finishes without repeating work', async () => {
    // Prepare
    const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    await seedIam(
      moto,
      AS_OF,
      users.map((name) => ({ name, tags: ENROLLED, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] })),
    );

    // Act
    const first = await lambda(3_500, 1_000)();
    const second = await lambda(900_000)();

    // Assess
    expect(first.complete).toBe(false);
    expect(first.counts.deferred).toBeGreaterThan(0);
    expect(first.counts.done).toBeGreaterThan(0);
    expect(second.complete).toBe(true);
    expect(second.counts.done).toBe(first.counts.deferred);
    const created = (await trailRecords()).filter((record) => record.action === 'key.create');
    expect(created.map((record) => record.user).sort()).toEqual(users);
    for (const user of users) expect(await keysOf(user)).toHaveLength(2);
    expect(metricsOf(output)[0]?.DeferredUsers).toBe(first.counts.deferred);
  });

  it('fails the invocation with one line when the environment lacks its settings', async () => {
    // Prepare
    const handler = createHandler({ clock: () => AS_OF, env: {} });
    const context: LambdaContext = {
      functionName: 'keywarden-rotation',
      awsRequestId: 'request-1',
      getRemainingTimeInMillis: () => 900_000,
    };

    // Act
    const attempt = handler({}, context);

    // Assess
    await expect(attempt).rejects.toThrow(/environment lacks KEYWARDEN_CONFIG/);
    expect(output).toContain('"level":"ERROR"');
    expect(output).toContain('rotation run failed');
  });

  describe("started by AWS quarantining a user (the stack's EventBridge rule)", () => {
    const V3 = 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3';
    const quarantined = (user: string) => ({
      source: 'keywarden-quarantine',
      user,
      policyArn: V3,
      at: new Date(AS_OF.getTime() - 60_000).toISOString(),
    });
    const attach = (user: string) =>
      client(IAMClient).send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: V3 }));

    it("replaces that user's young key at once, deactivates it in the same run, and touches no one else", async () => {
      // Prepare
      const ids = await seedIam(moto, AS_OF, [
        { name: 'alice', tags: ENROLLED, keys: [{ ageDays: 5, lastUsedDaysAgo: 1 }] },
        { name: 'bob', tags: ENROLLED, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] },
      ]);
      await attach('alice');
      const exposed = ids.get('alice')?.[0];

      // Act
      const report = await lambda(900_000, 0, AS_OF, quarantined('alice'))();

      // Assess
      expect(report.counts).toMatchObject({ done: 1 });
      const keys = await keysOf('alice');
      const fresh = keys.find((key) => key.AccessKeyId !== exposed);
      expect(keys.map((key) => [key.AccessKeyId === exposed ? 'exposed' : 'new', key.Status]).sort()).toEqual(
        [
          ['exposed', 'Inactive'],
          ['new', 'Active'],
        ],
      );
      expect(await keysOf('bob')).toHaveLength(1);
      const stored = await client(SecretsManagerClient).send(
        new GetSecretValueCommand({ SecretId: `keywarden/${ACCOUNT}/alice` }),
      );
      expect(JSON.parse(stored.SecretString as string).AccessKeyId).toBe(fresh?.AccessKeyId);
      const records = await trailRecords();
      expect(records.map((r) => [r.user, r.action, r.accessKeyId === exposed ? 'exposed' : 'new'])).toEqual([
        ['alice', 'key.create', 'new'],
        ['alice', 'secret.store', 'new'],
        ['alice', 'notice', 'new'],
        ['alice', 'key.deactivate', 'exposed'],
      ]);
      expect(records[3]?.reason).toContain(
        `AWS quarantined alice (AWSCompromisedKeyQuarantineV3): ${exposed}`,
      );
      const told = await notices();
      expect(told.find((n) => n.kind === 'new-key')?.text).toContain('AWS quarantined this key');
      expect(output).toContain('AWS quarantined a user: rotating it at once');
    });

    it('changes nothing for a user outside the rotation scope, and says so in the summary', async () => {
      // Prepare
      await seedIam(moto, AS_OF, [{ name: 'carol', keys: [{ ageDays: 5, lastUsedDaysAgo: 1 }] }]);
      await attach('carol');

      // Act
      const report = await lambda(900_000, 0, AS_OF, quarantined('carol'))();

      // Assess
      expect(report.counts).toMatchObject({ blocked: 1, done: 0 });
      expect((await keysOf('carol')).map((key) => key.Status)).toEqual(['Active']);
      expect(await trailRecords()).toEqual([]);
      expect((await summaries())[0]?.text).toContain('carol: blocked: not enrolled in rotation');
    });

    it('refuses an event it does not take, before anything changes', async () => {
      await seedIam(moto, AS_OF, [{ name: 'alice', tags: ENROLLED, keys: [{ ageDays: 5 }] }]);

      const attempt = lambda(900_000, 0, AS_OF, {
        ...quarantined('alice'),
        policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
      })();

      await expect(attempt).rejects.toThrow("which is none of AWS's quarantine policies");
      expect(await keysOf('alice')).toHaveLength(1);
    });
  });
});
