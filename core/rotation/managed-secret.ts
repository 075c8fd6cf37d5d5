import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { isAwsError } from '../errors.js';
import type { TargetUser } from './context.js';
import {
  type Delivery,
  decodePending,
  decodeStamp,
  encodePending,
  keyOfVersionId,
  PENDING_STAGE,
  type Pending,
  PLACEHOLDER_VERSION,
  type SecretState,
  STATE_TAGS,
  type StagedKey,
  versionIdFor,
} from './state.js';

/** The value of a secret that holds no key yet (its owner's credential helper says so). */
const PLACEHOLDER_VALUE = JSON.stringify({
  keywarden: 'no access key stored yet: keywarden stores the first one here',
});

/** The versions of a secret and their stages, as DescribeSecret names them. */
type Versions = Record<string, string[]>;

const currentOf = (versions: Versions): string | null =>
  Object.entries(versions).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0] ?? null;

/**
 * How a compare-and-swap of AWSCURRENT ended:
 * - `swapped`: the new key is AWSCURRENT (this call, or an earlier one whose answer was lost);
 * - `lost`: AWSCURRENT had moved since it was read (another writer stored a key): nothing changed.
 */
export type SwapOutcome = 'swapped' | 'lost';

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
      const versions = described.VersionIdsToStages ?? {};
      const currentVersion = currentOf(versions);
      const current = currentVersion ? keyOfVersionId(currentVersion) : null;
      const staged = Object.entries(versions).flatMap(([versionId, stages]): StagedKey[] => {
        const key = keyOfVersionId(versionId);
        return key && stages.length > 0 ? [{ ...key, versionId, stages }] : [];
      });
      return {
        name: this.name,
        // Kept as found, even empty: an empty owner tag is not a missing one (ownerBindingOf).
        ownerId: tags[STATE_TAGS.ownerId] ?? null,
        currentKeyId: current?.keyId ?? null,
        currentDelivery: current?.delivery ?? 'secrets-manager',
        currentVersionId: currentVersion,
        staged,
        pending: decodePending(tags[STATE_TAGS.pending]),
        deactivated: decodeStamp(tags[STATE_TAGS.deactivated]),
        notified: decodeStamp(tags[STATE_TAGS.notified]),
        quarantineAnswered: decodeStamp(tags[STATE_TAGS.quarantineAnswered]),
      };
    } catch (err) {
      if (isAwsError(err, /ResourceNotFound/)) return null;
      throw err;
    }
  }

  /**
   * CreateSecret without the owner tag (the owner-only policy comes next), holding the placeholder as its
   * AWSCURRENT version (the first key is swapped in like every later one); false when it already exists.
   */
  async create(owner: TargetUser, kmsKeyId: string | undefined, pending: Pending | null): Promise<boolean> {
    try {
      await this.secrets.send(
        new CreateSecretCommand({
          Name: this.name,
          Description: `Access key of IAM user ${owner.name}, rotated by keywarden. Only that user may read it.`,
          KmsKeyId: kmsKeyId,
          SecretString: PLACEHOLDER_VALUE,
          ClientRequestToken: PLACEHOLDER_VERSION,
          Tags: [
            { Key: STATE_TAGS.managedBy, Value: 'keywarden' },
            ...(pending ? [{ Key: STATE_TAGS.pending, Value: encodePending(pending) }] : []),
          ],
        }),
      );
      return true;
    } catch (err) {
      if (isAwsError(err, /ResourceExists/)) return false;
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

  /**
   * A secret made before it held a value (older keywarden) has no AWSCURRENT version: give it the
   * placeholder, so that the swap has a version to replace. Returns the AWSCURRENT version ID.
   */
  async ensureCurrentVersion(): Promise<string> {
    await this.secrets.send(
      new PutSecretValueCommand({
        SecretId: this.name,
        SecretString: PLACEHOLDER_VALUE,
        ClientRequestToken: PLACEHOLDER_VERSION,
      }),
    );
    return currentOf(await this.versions()) ?? PLACEHOLDER_VERSION;
  }

  /**
   * Writes the value under a version ID naming the key and where its secret went, staged PENDING_STAGE
   * only: nobody reads it as current until `swap` makes it so.
   */
  async stage(accessKeyId: string, delivery: Delivery, value: object): Promise<void> {
    await this.secrets.send(
      new PutSecretValueCommand({
        SecretId: this.name,
        SecretString: JSON.stringify(value),
        ClientRequestToken: versionIdFor(accessKeyId, delivery),
        VersionStages: [PENDING_STAGE],
      }),
    );
  }

  /**
   * The compare-and-swap: moves AWSCURRENT to the key's version only if it is still on `expectedCurrent`
   * (the version read when the run planned). Secrets Manager refuses the move when AWSCURRENT is elsewhere.
   */
  async swap(accessKeyId: string, delivery: Delivery, expectedCurrent: string): Promise<SwapOutcome> {
    const versionId = versionIdFor(accessKeyId, delivery);
    try {
      await this.secrets.send(
        new UpdateSecretVersionStageCommand({
          SecretId: this.name,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: versionId,
          RemoveFromVersionId: expectedCurrent,
        }),
      );
      return 'swapped';
    } catch (err) {
      // Refused, or the answer was lost: what AWSCURRENT is now decides.
      const current = currentOf(await this.versions());
      if (current === versionId) return 'swapped';
      if (current !== expectedCurrent) return 'lost';
      throw err;
    }
  }

  /** Whether the key's value is stored in some version (asked when the answer to `stage` was lost). */
  async holdsVersionOf(accessKeyId: string, delivery: Delivery): Promise<boolean> {
    return versionIdFor(accessKeyId, delivery) in (await this.versions());
  }

  private async versions(): Promise<Versions> {
    const described = await this.secrets.send(new DescribeSecretCommand({ SecretId: this.name }));
    return described.VersionIdsToStages ?? {};
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
