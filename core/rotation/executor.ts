import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  type IAMClient,
  ListAccessKeysCommand,
  paginateListAccessKeys,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import type { Config } from '../config.js';
import { describeError, IncompleteError } from '../errors.js';
import { addDays, type Clock } from '../time.js';
import type { TrailAction, TrailOutcome, TrailStore } from '../trail/index.js';
import type { Notifier } from './notifier.js';
import type { PlannedAction } from './planner.js';
import {
  type Delivery,
  decodePending,
  decodeStamp,
  encodePending,
  encodeStamp,
  type KeyState,
  keyOfVersionId,
  type PendingOp,
  type SecretState,
  STATE_TAGS,
  secretNameFor,
  type UserState,
  versionIdFor,
} from './state.js';

export interface RotationClients {
  iam: IAMClient;
  secrets: SecretsManagerClient;
}

/** A secret shown once to a person (`--deliver stdout`); the only way a secret leaves Secrets Manager. */
export interface DeliveredKey {
  user: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** What every rotation run works with; the engine's request adds which users and how. */
export interface RotationSetting {
  clients: RotationClients;
  config: Config;
  account: string;
  /** Recorded in the trail: the caller's ARN (STS GetCallerIdentity) or "lambda:<function name>". */
  actor: string;
  /** Decides what is due (injected; tests move it). */
  clock: Clock;
  trail: TrailStore;
  notifier: Notifier;
}

export interface ExecutorContext extends RotationSetting {
  /** KMS key for new secrets; omitted = the account's aws/secretsmanager key. */
  kmsKeyId?: string | undefined;
  deliver: Delivery;
  /** Required when deliver is stdout: receives the secret once. */
  onDelivery?: ((key: DeliveredKey) => void) | undefined;
}

/** What one executed action did (no secret in it). */
export interface ActionResult {
  kind: PlannedAction['kind'];
  keyId: string | null;
  reason: string;
  outcome: 'done' | 'skipped' | 'blocked';
}

const isNamed = (err: unknown, pattern: RegExp) =>
  pattern.test((err as { name?: string } | null)?.name ?? '');

/** ListAccessKeys, DescribeSecret, and GetAccessKeyLastUsed only when a decision needs it. */
export async function readUserState(
  context: ExecutorContext,
  user: { name: string; arn: string },
): Promise<UserState> {
  const { iam, secrets } = context.clients;
  const keys: KeyState[] = [];
  for await (const page of paginateListAccessKeys({ client: iam }, { UserName: user.name })) {
    for (const key of page.AccessKeyMetadata ?? []) {
      if (!key.AccessKeyId) continue;
      keys.push({
        id: key.AccessKeyId,
        status: key.Status === 'Inactive' ? 'Inactive' : 'Active',
        createdAt: key.CreateDate ?? new Date(0),
        lastUsedAt: null,
      });
    }
  }
  keys.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const name = secretNameFor(context.account, user.name);
  let secret: SecretState | null = null;
  try {
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: name }));
    const tags = Object.fromEntries((described.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
    const currentVersion = Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) =>
      stages.includes('AWSCURRENT'),
    )?.[0];
    const current = currentVersion ? keyOfVersionId(currentVersion) : null;
    secret = {
      name,
      currentKeyId: current?.keyId ?? null,
      currentDelivery: current?.delivery ?? 'secrets-manager',
      pending: decodePending(tags[STATE_TAGS.pending]),
      deactivated: decodeStamp(tags[STATE_TAGS.deactivated]),
      notified: decodeStamp(tags[STATE_TAGS.notified]),
    };
  } catch (err) {
    if (!isNamed(err, /ResourceNotFound/)) throw err;
  }
  if (keys.length > 1 || secret?.pending) {
    for (const key of keys) {
      const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.id }));
      key.lastUsedAt = used.AccessKeyLastUsed?.LastUsedDate ?? null;
    }
  }
  return { account: context.account, user: user.name, userArn: user.arn, keys, secret };
}

/**
 * Performs one user's planned actions in order. Each mutation is bracketed: a write-ahead marker on the
 * secret before, the trail record and the marker's removal after, so that a crash anywhere leaves
 * something the next run can see and repair (see planner's recovery).
 */
export class UserExecutor {
  private secret: SecretState | null;

  constructor(
    private readonly context: ExecutorContext,
    private readonly state: UserState,
  ) {
    this.secret = state.secret;
  }

  async run(actions: readonly PlannedAction[]): Promise<ActionResult[]> {
    const results: ActionResult[] = [];
    for (const action of actions) {
      const result = await this.perform(action);
      results.push(result);
      if (result.outcome === 'blocked') break;
    }
    return results;
  }

  private async perform(action: PlannedAction): Promise<ActionResult> {
    const done = (outcome: ActionResult['outcome'] = 'done', reason = action.reason): ActionResult => ({
      kind: action.kind,
      keyId: 'keyId' in action ? action.keyId : null,
      reason,
      outcome,
    });
    switch (action.kind) {
      case 'record':
        await this.record(action.action, action.keyId, 'recovered', action.reason);
        return done();
      case 'settle':
        await this.tag({
          [STATE_TAGS.pending]: '',
          [STATE_TAGS.deactivated]: encodeStamp(action.deactivated),
        });
        return done();
      case 'delete-orphan':
        if (await this.deleteKey(action.keyId))
          await this.record('key.delete', action.keyId, 'success', action.reason);
        return done();
      case 'delete': {
        await this.ensureSecret();
        await this.mark('delete', action.keyId);
        const deleted = await this.deleteKey(action.keyId);
        if (deleted) await this.record('key.delete', action.keyId, 'success', action.reason);
        const clearDeactivated = this.secret?.deactivated?.keyId === action.keyId;
        await this.tag({
          [STATE_TAGS.pending]: '',
          ...(clearDeactivated ? { [STATE_TAGS.deactivated]: '' } : {}),
        });
        return done(deleted ? 'done' : 'skipped', deleted ? action.reason : 'already deleted');
      }
      case 'deactivate': {
        await this.mark('deactivate', action.keyId);
        await this.context.clients.iam.send(
          new UpdateAccessKeyCommand({
            UserName: this.state.user,
            AccessKeyId: action.keyId,
            Status: 'Inactive',
          }),
        );
        await this.record('key.deactivate', action.keyId, 'success', action.reason);
        await this.tag({
          [STATE_TAGS.pending]: '',
          [STATE_TAGS.deactivated]: encodeStamp({ keyId: action.keyId, at: this.context.clock() }),
        });
        return done();
      }
      case 'notify':
        await this.notify(action.keyId, 'reminder');
        return done();
      case 'create':
        return this.create(action.replaces, action.reason);
    }
  }

  private async create(replaces: string | null, reason: string): Promise<ActionResult> {
    const { iam, secrets } = this.context.clients;
    await this.ensureSecret({ op: 'create', keyId: null, at: this.context.clock() });
    const secretName = (this.secret as SecretState).name;
    let created: { AccessKeyId?: string; SecretAccessKey?: string; CreateDate?: Date } | undefined;
    try {
      created = (await iam.send(new CreateAccessKeyCommand({ UserName: this.state.user }))).AccessKey;
    } catch (err) {
      if (!isNamed(err, /LimitExceeded/)) {
        // The key may exist although the answer (with its only copy of the secret) was lost.
        await this.deleteUnansweredKeys(reason, err);
        throw err;
      }
      await this.tag({ [STATE_TAGS.pending]: '' });
      return {
        kind: 'create',
        keyId: null,
        reason:
          'IAM refused a third key (another run or a person made one since it was read); nothing created',
        outcome: 'blocked',
      };
    }
    const accessKeyId = created?.AccessKeyId as string;
    const createDate = created?.CreateDate ?? this.context.clock();
    const delivery = this.context.deliver;
    try {
      const value =
        delivery === 'stdout'
          ? { AccessKeyId: accessKeyId, CreateDate: createDate.toISOString(), DeliveredTo: 'stdout' }
          : {
              AccessKeyId: accessKeyId,
              SecretAccessKey: created?.SecretAccessKey,
              CreateDate: createDate.toISOString(),
            };
      await secrets.send(
        new PutSecretValueCommand({
          SecretId: secretName,
          SecretString: JSON.stringify(value),
          ClientRequestToken: versionIdFor(accessKeyId, delivery),
        }),
      );
    } catch (err) {
      // The call may have failed after the write took effect: ask before undoing.
      if (!(await this.storedVersionIs(accessKeyId, delivery))) {
        await this.undoUnstoredKey(accessKeyId, reason, err);
      }
    }
    this.secret = { ...(this.secret as SecretState), currentKeyId: accessKeyId, currentDelivery: delivery };
    if (delivery === 'stdout') {
      this.context.onDelivery?.({
        user: this.state.user,
        accessKeyId,
        secretAccessKey: created?.SecretAccessKey as string,
      });
    }
    await this.record('key.create', accessKeyId, 'success', reason);
    await this.record(
      delivery === 'stdout' ? 'secret.deliver-stdout' : 'secret.store',
      accessKeyId,
      'success',
      delivery === 'stdout'
        ? `shown once to the operator; ${secretName} records the key ID only`
        : `stored in ${secretName}`,
    );
    await this.notify(accessKeyId, 'new-key', replaces, {
      [STATE_TAGS.pending]: '',
      [STATE_TAGS.deactivated]: '',
    });
    return { kind: 'create', keyId: accessKeyId, reason, outcome: 'done' };
  }

  private async storedVersionIs(accessKeyId: string, delivery: Delivery): Promise<boolean> {
    try {
      const described = await this.context.clients.secrets.send(
        new DescribeSecretCommand({ SecretId: (this.secret as SecretState).name }),
      );
      return (described.VersionIdsToStages?.[versionIdFor(accessKeyId, delivery)] ?? []).includes(
        'AWSCURRENT',
      );
    } catch {
      return false;
    }
  }

  /** Keys that appeared since this user was read: created by the call whose answer was lost. */
  private async deleteUnansweredKeys(reason: string, cause: unknown): Promise<void> {
    const known = new Set(this.state.keys.map((key) => key.id));
    const listed = await this.context.clients.iam.send(
      new ListAccessKeysCommand({ UserName: this.state.user }),
    );
    for (const key of listed.AccessKeyMetadata ?? []) {
      if (!key.AccessKeyId || known.has(key.AccessKeyId)) continue;
      await this.record(
        'key.create',
        key.AccessKeyId,
        'recovered',
        `${reason}; the answer was lost (${describeError(cause)})`,
      );
      if (await this.deleteKey(key.AccessKeyId)) {
        await this.record(
          'key.delete',
          key.AccessKeyId,
          'success',
          'its secret was never received: nobody can use it',
        );
      }
    }
    await this.tag({ [STATE_TAGS.pending]: '' });
  }

  /** Invariant 2: a key whose secret is not stored must not live on. */
  private async undoUnstoredKey(accessKeyId: string, reason: string, cause: unknown): Promise<never> {
    const secretName = (this.secret as SecretState).name;
    await this.record('key.create', accessKeyId, 'success', reason);
    await this.context.clients.iam.send(
      new DeleteAccessKeyCommand({ UserName: this.state.user, AccessKeyId: accessKeyId }),
    );
    await this.record(
      'key.delete',
      accessKeyId,
      'success',
      `its secret could not be stored: ${describeError(cause)}`,
    );
    await this.tag({ [STATE_TAGS.pending]: '' });
    throw new IncompleteError(
      `${this.state.user}: the new key could not be stored in ${secretName} (${describeError(cause)}); it was deleted again`,
      { cause },
    );
  }

  private async notify(
    keyId: string,
    kind: 'new-key' | 'reminder',
    replaces: string | null = null,
    extraTags: Record<string, string> = {},
  ): Promise<void> {
    const { rotation } = this.context.config;
    const now = this.context.clock();
    const secretName = (this.secret as SecretState).name;
    const deactivation = addDays(now, rotation.deactivateAfterDays).toISOString().slice(0, 10);
    const text = [
      `A new access key ${keyId} for IAM user ${this.state.user} (account ${this.context.account}) is in Secrets Manager as ${secretName}.`,
      replaces
        ? `Switch to it: the old key ${replaces} will be deactivated on or after ${deactivation}${rotation.enforce ? ', even if still in use' : ''}.`
        : 'Read it with: aws secretsmanager get-secret-value --secret-id ' + secretName,
    ].join('\n');
    await this.context.notifier.send({
      kind,
      subject: `keywarden: new access key for ${this.state.user}`,
      text,
      user: this.state.user,
    });
    await this.record('notice', keyId, 'success', `owner told via ${this.context.notifier.channel}`);
    await this.tag({ ...extraTags, [STATE_TAGS.notified]: encodeStamp({ keyId, at: now }) });
  }

  /** Creates the managed secret (with its owner-only resource policy) if the user has none yet. */
  private async ensureSecret(pending?: SecretState['pending']): Promise<void> {
    if (this.secret) {
      if (pending) await this.tag({ [STATE_TAGS.pending]: encodePending(pending) });
      // A secret that never held a key may come from a run that stopped before setting its policy.
      if (pending && this.secret.currentKeyId === null) await this.putOwnerPolicy(this.secret.name);
      return;
    }
    const name = secretNameFor(this.context.account, this.state.user);
    const { secrets } = this.context.clients;
    try {
      await secrets.send(
        new CreateSecretCommand({
          Name: name,
          Description: `Access key of IAM user ${this.state.user}, rotated by keywarden. Only that user may read it.`,
          KmsKeyId: this.context.kmsKeyId,
          Tags: [
            { Key: STATE_TAGS.managedBy, Value: 'keywarden' },
            ...(pending ? [{ Key: STATE_TAGS.pending, Value: encodePending(pending) }] : []),
          ],
        }),
      );
    } catch (err) {
      if (!isNamed(err, /ResourceExists/)) throw err;
      if (pending) await this.tag({ [STATE_TAGS.pending]: encodePending(pending) }, name);
    }
    await this.putOwnerPolicy(name);
    this.secret = {
      name,
      currentKeyId: null,
      currentDelivery: 'secrets-manager',
      pending: pending ?? null,
      deactivated: null,
      notified: null,
    };
  }

  private async putOwnerPolicy(name: string): Promise<void> {
    await this.context.clients.secrets.send(
      new PutResourcePolicyCommand({
        SecretId: name,
        ResourcePolicy: JSON.stringify(ownerOnlyPolicy(this.state.userArn)),
      }),
    );
  }

  private async mark(op: PendingOp, keyId: string): Promise<void> {
    await this.tag({ [STATE_TAGS.pending]: encodePending({ op, keyId, at: this.context.clock() }) });
  }

  private async tag(tags: Record<string, string>, name = this.secret?.name): Promise<void> {
    if (!name) return;
    await this.context.clients.secrets.send(
      new TagResourceCommand({
        SecretId: name,
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
  }

  /** True when this call deleted it; false when it was already gone (another run did it). */
  private async deleteKey(keyId: string): Promise<boolean> {
    try {
      await this.context.clients.iam.send(
        new DeleteAccessKeyCommand({ UserName: this.state.user, AccessKeyId: keyId }),
      );
      return true;
    } catch (err) {
      if (isNamed(err, /NoSuchEntity/)) return false;
      throw err;
    }
  }

  private async record(action: TrailAction, keyId: string | null, outcome: TrailOutcome, reason: string) {
    await this.context.trail.append({
      at: this.context.clock(),
      account: this.context.account,
      actor: this.context.actor,
      action,
      user: this.state.user,
      accessKeyId: keyId,
      outcome,
      reason,
    });
  }
}

/** Only the key's owner may read the secret; keywarden itself never needs to (it reads tags and versions). */
export function ownerOnlyPolicy(userArn: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OwnerReadsOwnKey',
        Effect: 'Allow',
        Principal: { AWS: userArn },
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: '*',
      },
      {
        Sid: 'NobodyElseReadsIt',
        Effect: 'Deny',
        Principal: '*',
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:PrincipalArn': userArn } },
      },
    ],
  };
}
