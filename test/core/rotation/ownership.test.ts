import {
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  GetUserCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { secretNameFor } from '../../../core/rotation/index.js';
import { JsonlTrailStore } from '../../../core/trail/index.js';
import { CallLog, instrumentClient } from '../../support/fault-injection.js';
import { type Moto, motoAvailable } from '../../support/moto.js';
import { ACCOUNT, type RotationBed, SCOPE_TAG, useRotationSuite } from '../../support/rotation-bed.js';
import { readRecords } from '../../support/trail-records.js';

const asOf = new Date('2026-06-01T12:00:00Z');

describe.skipIf(!motoAvailable())('who a stored key belongs to, against moto', () => {
  let bed: RotationBed;
  let motoServer: Moto;
  useRotationSuite(
    asOf,
    [
      { name: 'svc_x', tags: SCOPE_TAG, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] },
      { name: 'svc,x', tags: SCOPE_TAG, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] },
      { name: 'carol', keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] },
      { name: 'newcomer' },
    ],
    (moto, ready) => {
      motoServer = moto;
      bed = ready;
    },
  );

  const secretOf = async (user: string) => {
    const name = secretNameFor(ACCOUNT, user);
    const value = await bed.secrets.send(new GetSecretValueCommand({ SecretId: name }));
    const policy = await bed.secrets.send(new GetResourcePolicyCommand({ SecretId: name }));
    const described = await bed.secrets.send(new DescribeSecretCommand({ SecretId: name }));
    return {
      accessKeyId: JSON.parse(value.SecretString ?? '{}').AccessKeyId as string,
      value: value.SecretString,
      policy: policy.ResourcePolicy ?? '',
      versions: described.VersionIdsToStages,
      tags: Object.fromEntries((described.Tags ?? []).map((tag) => [tag.Key, tag.Value])),
    };
  };

  it('never lets svc_x and svc,x share a secret, rotating both', async () => {
    // Act
    const run = await bed.run({ users: ['svc_x', 'svc,x'] });

    // Assess
    expect(run.users.map((user) => user.status)).toEqual(['done', 'done']);
    expect((await bed.secretNames()).sort()).toEqual([
      `keywarden/${ACCOUNT}/svc/x`,
      `keywarden/${ACCOUNT}/svc_x`,
    ]);
    for (const user of ['svc_x', 'svc,x']) {
      const secret = await secretOf(user);
      expect((await bed.keys(user)).map((key) => key.id)).toContain(secret.accessKeyId);
      expect(secret.policy).toContain(`arn:aws:iam::${ACCOUNT}:user/${user}"`);
    }
  });

  it('binds the secret to the user’s unique ID, in the resource policy and a tag', async () => {
    // Prepare
    const { User } = await bed.iam.send(new GetUserCommand({ UserName: 'carol' }));

    // Act
    await bed.run({ users: ['carol'] });

    // Assess
    const secret = await secretOf('carol');
    expect(secret.tags).toMatchObject({ 'keywarden:owner-id': User?.UserId, 'keywarden:user': 'carol' });
    expect(JSON.parse(secret.policy).Statement).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { AWS: User?.Arn },
        Condition: { StringEquals: { 'aws:userid': User?.UserId } },
      }),
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Condition: { StringNotEquals: { 'aws:userid': User?.UserId } },
      }),
    ]);
  });

  it('does not hand a user re-created under the same name the deleted user’s secret', async () => {
    // Prepare: carol rotates, leaves, and a new carol is enrolled.
    await bed.run({ users: ['carol'] });
    const before = await secretOf('carol');
    for (const key of await bed.keys('carol')) {
      await bed.iam.send(new DeleteAccessKeyCommand({ UserName: 'carol', AccessKeyId: key.id }));
    }
    await bed.iam.send(new DeleteUserCommand({ UserName: 'carol' }));
    await bed.iam.send(new CreateUserCommand({ UserName: 'carol' }));
    await bed.iam.send(
      new TagUserCommand({ UserName: 'carol', Tags: [{ Key: 'keywarden:rotation', Value: 'enabled' }] }),
    );

    // Act
    const run = await bed.run({ users: ['carol'] });

    // Assess
    expect(run.users[0]).toMatchObject({ status: 'blocked', actions: [] });
    expect(run.users[0]?.reason).toContain('belongs to an earlier user of this name');
    expect(run.users[0]?.reason).toContain('aws secretsmanager delete-secret');
    expect(await bed.keys('carol')).toEqual([]);
    expect(await secretOf('carol')).toEqual(before);
  });

  /** The secret as a person (or an old crash) left it: the owner tag there, with an empty value. */
  const leaveEmptyOwnerTag = (client: SecretsManagerClient, user: string, value: string) =>
    client.send(
      new CreateSecretCommand({
        Name: secretNameFor(ACCOUNT, user),
        Tags: [
          { Key: 'keywarden:managed-by', Value: 'keywarden' },
          { Key: 'keywarden:owner-id', Value: value },
        ],
      }),
    );
  const describeTags = async (user: string) => {
    const described = await bed.secrets.send(
      new DescribeSecretCommand({ SecretId: secretNameFor(ACCOUNT, user) }),
    );
    return {
      tags: Object.fromEntries((described.Tags ?? []).map((tag) => [tag.Key, tag.Value])),
      versions: described.VersionIdsToStages ?? {},
    };
  };

  it.each([
    ['empty', ''],
    ['blank', '   '],
  ])(
    'reports a secret whose owner-id tag is %s blocked, and neither binds nor writes it',
    async (_, value) => {
      // Prepare: carol's key is due; her secret exists with the owner tag, but it names nobody.
      await leaveEmptyOwnerTag(bed.secrets, 'carol', value);
      const before = await describeTags('carol');
      const keysBefore = await bed.keys('carol');
      const log = new CallLog();
      instrumentClient(bed.iam, log);
      instrumentClient(bed.secrets, log);

      // Act
      const run = await bed.run({ users: ['carol'] });

      // Assess: blocked with what a person must do; no bind (the role is denied it), no key, nothing stored.
      expect(run.users[0]).toMatchObject({ status: 'blocked', actions: [] });
      expect(run.users[0]?.reason).toContain('keywarden:owner-id tag is empty');
      expect(run.users[0]?.reason).toContain('aws secretsmanager untag-resource');
      expect(run.users[0]?.reason).toContain('aws secretsmanager delete-secret');
      for (const call of ['PutResourcePolicy', 'TagResource', 'PutSecretValue', 'CreateAccessKey'])
        expect(log.count(call)).toBe(0);
      expect(await describeTags('carol')).toEqual(before);
      expect(await bed.keys('carol')).toEqual(keysBefore);
      expect(await readRecords(bed.trail)).toEqual([]);
    },
  );

  it('writes nothing to a secret another run just created with an empty owner-id tag', async () => {
    // Prepare: carol has no secret when read; just before this run creates it, a rival leaves it unbound-but-tagged.
    const rival = new SecretsManagerClient({ region: 'us-east-1', endpoint: motoServer.endpoint });
    let raced = false;
    bed.secrets.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'CreateSecretCommand' && !raced) {
          raced = true;
          await leaveEmptyOwnerTag(rival, 'carol', '');
        }
        return next(args);
      },
      { step: 'initialize', name: 'rivalCreatesSecret' },
    );
    const log = new CallLog();
    instrumentClient(bed.secrets, log);

    // Act
    const run = await bed.run({ users: ['carol'] });
    rival.destroy();
    const next = await bed.run({ users: ['carol'] });

    // Assess: the executor reads it by the planner's rule: this run fails, the next one reports it blocked.
    expect(raced).toBe(true);
    expect(run.users[0]?.status).toBe('failed');
    expect(next.users[0]?.status).toBe('blocked');
    expect(run.users[0]?.reason).toContain('keywarden:owner-id tag is empty');
    for (const call of ['PutResourcePolicy', 'TagResource', 'PutSecretValue'])
      expect(log.count(call)).toBe(0);
    expect((await describeTags('carol')).tags['keywarden:owner-id']).toBe('');
    expect(await bed.keys('carol')).toHaveLength(1);
    expect(await readRecords(bed.trail)).toEqual([]);
  });

  it('issues exactly one first key when two runs start at once on a keyless user', async () => {
    // Prepare
    const log = new CallLog();
    instrumentClient(bed.iam, log);
    instrumentClient(bed.secrets, log);
    const otherTrail = new JsonlTrailStore(bed.trailFile);

    // Act
    const [one, two] = await Promise.all([
      bed.run({ users: ['newcomer'] }),
      bed.run({ users: ['newcomer'], trail: otherTrail }),
    ]);

    // Assess
    const keys = await bed.keys('newcomer');
    const stored = await bed.storedSecret('newcomer');
    expect(keys).toHaveLength(1);
    expect(stored?.AccessKeyId).toBe(keys[0]?.id);
    expect([one.users[0]?.status, two.users[0]?.status].sort()).toEqual(['done', 'waiting']);
    const records = await readRecords(bed.trail);
    const recorded = (action: string) => records.filter((record) => record.action === action).length;
    expect(recorded('key.create')).toBe(log.count('CreateAccessKey'));
    expect(recorded('key.delete')).toBe(log.count('DeleteAccessKey'));
    expect(recorded('secret.store')).toBe(log.count('PutSecretValue'));
    expect(log.count('PutSecretValue')).toBe(1);
    expect(await bed.trail.verify()).toMatchObject({ intact: true });
    const mutations = ['CreateAccessKey', 'DeleteAccessKey'].map((call) => log.count(call));
    await bed.run({ users: ['newcomer'] });
    expect(['CreateAccessKey', 'DeleteAccessKey'].map((call) => log.count(call))).toEqual(mutations);
    expect(await bed.keys('newcomer')).toEqual(keys);
  });
});
