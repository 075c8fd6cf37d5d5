import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { isNamed, type TargetUser } from './context.js';
import {
  type Delivery,
  decodePending,
  decodeStamp,
  encodePending,
  keyOfVersionId,
  type SecretState,
  STATE_TAGS,
  versionIdFor,
} from './state.js';

/**
 * The managed secret of one user, as keywarden reads and writes it: its tags and version IDs carry the
 * rotation state (state.ts); keywarden never reads its value.
 */
export class ManagedSecret {
  constructor(
    private readonly secrets: SecretsManagerClient,
    readonly name: string,
  ) {}

  /** DescribeSecret → the state it carries; null when the secret does not exist. */
  async read(): Promise<SecretState | null> {
    try {
      const described = await this.secrets.send(new DescribeSecretCommand({ SecretId: this.name }));
      const tags = Object.fromEntries((described.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
      const currentVersion = Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) =>
        stages.includes('AWSCURRENT'),
      )?.[0];
      const current = currentVersion ? keyOfVersionId(currentVersion) : null;
      return {
        name: this.name,
        // Kept as found, even empty: an empty owner tag is not a missing one (ownerBindingOf).
        ownerId: tags[STATE_TAGS.ownerId] ?? null,
        currentKeyId: current?.keyId ?? null,
        currentDelivery: current?.delivery ?? 'secrets-manager',
        pending: decodePending(tags[STATE_TAGS.pending]),
        deactivated: decodeStamp(tags[STATE_TAGS.deactivated]),
        notified: decodeStamp(tags[STATE_TAGS.notified]),
        quarantineAnswered: decodeStamp(tags[STATE_TAGS.quarantineAnswered]),
      };
    } catch (err) {
      if (isNamed(err, /ResourceNotFound/)) return null;
      throw err;
    }
  }

  /** CreateSecret without the owner tag (the owner-only policy comes next); false when it already exists. */
  async create(
    owner: TargetUser,
    kmsKeyId: string | undefined,
    pending: SecretState['pending'],
  ): Promise<boolean> {
    try {
      await this.secrets.send(
        new CreateSecretCommand({
          Name: this.name,
          Description: `Access key of IAM user ${owner.name}, rotated by keywarden. Only that user may read it.`,
          KmsKeyId: kmsKeyId,
          Tags: [
            { Key: STATE_TAGS.managedBy, Value: 'keywarden' },
            ...(pending ? [{ Key: STATE_TAGS.pending, Value: encodePending(pending) }] : []),
          ],
        }),
      );
      return true;
    } catch (err) {
      if (isNamed(err, /ResourceExists/)) return false;
      throw err;
    }
  }

  /**
   * Binds the secret to its owner, once: the owner-only resource policy, then the owner's unique ID and
   * name as tags. After the tag the rotation role may no longer change the policy (INTERFACES B).
   */
  async bind(owner: TargetUser): Promise<void> {
    await this.secrets.send(
      new PutResourcePolicyCommand({
        SecretId: this.name,
        ResourcePolicy: JSON.stringify(ownerOnlyPolicy(owner.arn, owner.id)),
      }),
    );
    await this.tag({ [STATE_TAGS.ownerId]: owner.id, [STATE_TAGS.user]: owner.name });
  }

  async tag(tags: Record<string, string>): Promise<void> {
    await this.secrets.send(
      new TagResourceCommand({
        SecretId: this.name,
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
  }

  /** Stores the value as AWSCURRENT under a version ID naming the key and where its secret went. */
  async store(accessKeyId: string, delivery: Delivery, value: object): Promise<void> {
    await this.secrets.send(
      new PutSecretValueCommand({
        SecretId: this.name,
        SecretString: JSON.stringify(value),
        ClientRequestToken: versionIdFor(accessKeyId, delivery),
      }),
    );
  }

  /** Whether a store whose answer was lost took effect (asked before undoing anything). */
  async currentVersionIs(accessKeyId: string, delivery: Delivery): Promise<boolean> {
    try {
      const described = await this.secrets.send(new DescribeSecretCommand({ SecretId: this.name }));
      return (described.VersionIdsToStages?.[versionIdFor(accessKeyId, delivery)] ?? []).includes(
        'AWSCURRENT',
      );
    } catch {
      return false;
    }
  }
}

/**
 * Only the key's owner may read the secret — that user, by ARN and by unique ID, so that a user re-created
 * under the same name is not the owner; keywarden itself never needs to (it reads tags and versions).
 */
export function ownerOnlyPolicy(userArn: string, userId: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OwnerReadsOwnKey',
        Effect: 'Allow',
        Principal: { AWS: userArn },
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:userid': userId } },
      },
      {
        Sid: 'NobodyElseReadsIt',
        Effect: 'Deny',
        Principal: '*',
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:userid': userId } },
      },
    ],
  };
}
