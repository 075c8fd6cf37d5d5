import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { type ConfigInput, parseConfig } from '../../core/policy/schema.js';
import {
  type RotateUsersRequest,
  rotateUsers,
  S3LeaseStore,
  snsNotifier,
} from '../../core/rotation/index.js';
import { JsonlTrailStore } from '../../core/trail/index.js';
import { type SeedUser, seedIam } from './iam-seed.js';
import { type Moto, type MotoOptions, startMoto } from './moto.js';

export const ACCOUNT = '123456789012';
export const SCOPE_TAG = { 'keywarden:rotation': 'enabled' };
/** The lease bucket every bed creates (no Object Lock). */
export const LEASE_BUCKET = 'keywarden-leases';

/** The users' leases in the bed's bucket, reached through `s3`. */
export const leaseStore = (s3: S3Client, seconds = 600) =>
  new S3LeaseStore({ bucket: LEASE_BUCKET, prefix: 'leases/', seconds, client: s3 });

/** Clients, an SNS topic with an SQS queue subscribed (to read every notice), and a JSONL trail. */
export async function rotationBed(moto: Moto, configInput: ConfigInput = {}, asOf = new Date()) {
  const common = { region: 'us-east-1', endpoint: moto.endpoint, maxAttempts: 2 };
  const iam = new IAMClient(common);
  const secrets = new SecretsManagerClient(common);
  const sns = new SNSClient(common);
  const sqs = new SQSClient(common);
  const s3 = new S3Client({ ...common, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: LEASE_BUCKET }));
  const lease = leaseStore(s3);
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'keywarden-notices' }))).TopicArn as string;
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'notices' }))).QueueUrl as string;
  const queueArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn as string;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-rotation-'));
  const trailFile = join(dir, 'trail.jsonl');
  const trail = new JsonlTrailStore(trailFile);
  const config = parseConfig(configInput, { asOf });
  let now = asOf;
  const notifier = snsNotifier(topicArn, sns);
  const bed = {
    iam,
    secrets,
    sns,
    config,
    trail,
    trailFile,
    dir,
    notifier,
    s3,
    lease,
    now: () => now,
    setNow(date: Date) {
      now = date;
      moto.setNow(date);
    },
    run(overrides: Partial<RotateUsersRequest> = {}) {
      return rotateUsers({
        clients: { iam, secrets },
        config,
        account: ACCOUNT,
        actor: 'arn:aws:iam::123456789012:user/test-operator',
        clock: () => now,
        trail,
        notifier,
        lease,
        users: 'in-scope',
        ...overrides,
      });
    },
    /** The same run with its AWS clients reaching AWS through `endpoint` (a fault proxy in front of moto). */
    runVia(endpoint: string, overrides: Partial<RotateUsersRequest> = {}) {
      const via = { region: 'us-east-1', endpoint, maxAttempts: 2 };
      const clients = { iam: new IAMClient(via), secrets: new SecretsManagerClient(via) };
      const leaseS3 = new S3Client({ ...via, forcePathStyle: true });
      return bed.run({ clients, lease: leaseStore(leaseS3), ...overrides }).finally(() => {
        clients.iam.destroy();
        clients.secrets.destroy();
        leaseS3.destroy();
      });
    },
    async keys(user: string) {
      const listed = await iam.send(new ListAccessKeysCommand({ UserName: user }));
      return (listed.AccessKeyMetadata ?? [])
        .map((k) => ({
          id: k.AccessKeyId as string,
          status: k.Status as string,
          createdAt: k.CreateDate as Date,
        }))
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    },
    /** The stored secret, parsed (tests compare it with includes, never print it). */
    async storedSecret(user: string): Promise<{ AccessKeyId: string; SecretAccessKey?: string } | null> {
      try {
        const value = await secrets.send(
          new GetSecretValueCommand({ SecretId: `keywarden/${ACCOUNT}/${user}` }),
        );
        return JSON.parse(value.SecretString ?? 'null');
      } catch {
        return null;
      }
    },
    async secretNames(): Promise<string[]> {
      const listed = await secrets.send(new ListSecretsCommand({}));
      return (listed.SecretList ?? []).map((s) => s.Name as string);
    },
    /** Every SNS notice delivered so far (drains the queue). */
    async notices(): Promise<string[]> {
      const bodies: string[] = [];
      for (;;) {
        const received = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (!received.Messages?.length) return bodies;
        bodies.push(...received.Messages.map((m) => m.Body ?? ''));
      }
    },
    close() {
      for (const client of [iam, secrets, sns, sqs, s3]) client.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return bed;
}
export type RotationBed = Awaited<ReturnType<typeof rotationBed>>;

/**
 * The hooks every rotation suite repeats: one moto for the file (this process's SDK clients point at it);
 * before each test a reset, `users` seeded as of `asOf` and a fresh bed whose clock reads `asOf`, handed to
 * `onReady`; after each test the bed closed.
 */
export function useRotationSuite(
  asOf: Date,
  users: readonly SeedUser[],
  onReady: (moto: Moto, bed: RotationBed) => void,
  motoOptions: MotoOptions = {},
): void {
  let moto: Moto | undefined;
  let bed: RotationBed | undefined;
  beforeAll(async () => {
    moto = await startMoto(motoOptions);
    moto.useInThisProcess();
  });
  afterAll(async () => moto?.stop());
  beforeEach(async () => {
    const running = moto as Moto;
    await running.reset();
    await seedIam(running, asOf, users);
    bed = await rotationBed(running, {}, asOf);
    bed.setNow(asOf);
    onReady(running, bed);
  });
  afterEach(() => bed?.close());
}
