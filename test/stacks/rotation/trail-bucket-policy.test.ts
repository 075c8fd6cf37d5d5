/**
 * The trail bucket refuses what it can. The bucket policy and the role policy are the ones the stack
 * generates (recorded under setMocks). iam-simulate evaluates them together (identity + resource policy);
 * moto enforces what it can: the unconditional denies of objects (deletes, delete markers), and S3's own
 * refusal of a write with If-None-Match over an existing key; the conditional deny (a write without
 * If-None-Match) is proven by the simulation, as moto ignores conditions.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Moto, motoAvailable, startMoto } from '../../support/moto.js';
import { MOCK_ACCOUNT } from '../../support/pulumi-program.js';
import { type Decision, type Document, decide, generatedPolicies } from './generated-policies.js';

const ROLE_ARN = `arn:aws:iam::${MOCK_ACCOUNT}:role/keywarden-rotation-function`;
const ADMIN_ARN = `arn:aws:iam::${MOCK_ACCOUNT}:role/administrator`;
const EVERYTHING: Document = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

let bucket: string;
let bucketPolicy: Document;
let rolePolicy: Document;

beforeAll(async () => {
  const generated = await generatedPolicies();
  bucket = generated.trailBucket;
  bucketPolicy = generated.trailBucketPolicy;
  rolePolicy = generated.rolePolicy;
}, 60_000);

const decideOnBucket = (
  principal: string,
  identity: Document,
  action: string,
  resource: string,
  context: Record<string, string> = {},
): Promise<Decision> =>
  decide({
    principal,
    identityPolicies: [identity],
    action,
    resource,
    resourcePolicy: bucketPolicy,
    context: { 'aws:SecureTransport': 'true', ...context },
  });

const record = () => `arn:aws:s3:::${bucket}/trail/00000001.json`;

describe('the trail bucket policy the stack generates, simulated with the role policy', () => {
  it('refuses the function role deleting a record or one of its versions', async () => {
    expect(await decideOnBucket(ROLE_ARN, rolePolicy, 's3:DeleteObject', record())).toBe('ExplicitlyDenied');
    expect(await decideOnBucket(ROLE_ARN, rolePolicy, 's3:DeleteObjectVersion', record())).toBe(
      'ExplicitlyDenied',
    );
  });

  it('refuses the function role a write without If-None-Match, and allows the conditional append', async () => {
    expect(await decideOnBucket(ROLE_ARN, rolePolicy, 's3:PutObject', record())).toBe('ExplicitlyDenied');
    expect(
      await decideOnBucket(ROLE_ARN, rolePolicy, 's3:PutObject', record(), { 's3:if-none-match': '"etag"' }),
    ).toBe('ExplicitlyDenied');
    expect(
      await decideOnBucket(ROLE_ARN, rolePolicy, 's3:PutObject', record(), { 's3:if-none-match': '*' }),
    ).toBe('Allowed');
  });

  it('refuses an administrator deletes, overwrites, governance bypass and lifecycle expiration', async () => {
    expect(await decideOnBucket(ADMIN_ARN, EVERYTHING, 's3:DeleteObject', record())).toBe('ExplicitlyDenied');
    expect(await decideOnBucket(ADMIN_ARN, EVERYTHING, 's3:PutObject', record())).toBe('ExplicitlyDenied');
    expect(await decideOnBucket(ADMIN_ARN, EVERYTHING, 's3:BypassGovernanceRetention', record())).toBe(
      'ExplicitlyDenied',
    );
    expect(
      await decideOnBucket(ADMIN_ARN, EVERYTHING, 's3:PutLifecycleConfiguration', `arn:aws:s3:::${bucket}`),
    ).toBe('ExplicitlyDenied');
  });
});

describe.skipIf(!motoAvailable())('the trail bucket policy in the emulator (moto)', () => {
  let moto: Moto;
  let s3: S3Client;
  const key = 'trail/00000001.json';
  beforeAll(async () => {
    moto = await startMoto();
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    // moto enforces a bucket policy's statements for Principal "*" but ignores conditions (a conditional
    // deny would refuse every request over its plain HTTP): it gets the unconditional statements, which it
    // enforces as S3 does; the conditional ones are proven by the simulation above.
    const unconditional = bucketPolicy.Statement.filter(
      (statement) => !(statement as { Condition?: unknown }).Condition,
    );
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({ ...bucketPolicy, Statement: unconditional }),
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
  });

  it('refuses a conditional write over an existing record (S3 itself), so the append cannot overwrite', async () => {
    // Prepare
    const put = (body: string) =>
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, IfNoneMatch: '*' }));
    await put('{"seq":1}');

    // Act
    const overwrite = put('{"seq":1,"forged":true}');

    // Assess
    await expect(overwrite).rejects.toMatchObject({ name: 'PreconditionFailed' });
    const { Versions } = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'trail/' }));
    expect(Versions).toHaveLength(1);
  });

  it('refuses a plain delete (a delete marker on the newest record) and a version delete', async () => {
    // Prepare
    const { Versions } = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'trail/' }));
    const versionId = Versions?.[0]?.VersionId;

    // Act: one after the other, so that neither refusal is left unawaited while the other is awaited.
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch((err) => err);
    const version = await s3
      .send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }))
      .catch((err) => err);

    // Assess
    expect(marker).toMatchObject({ $metadata: { httpStatusCode: 403 } });
    expect(version).toMatchObject({ $metadata: { httpStatusCode: 403 } });
    const after = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'trail/' }));
    expect(after.DeleteMarkers ?? []).toEqual([]);
    expect(after.Versions).toHaveLength(1);
  });
});
