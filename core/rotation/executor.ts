import { CreateAccessKeyCommand, DeleteAccessKeyCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { HISTORY_DAYS } from '../consumers/limits.js';
import type { OldKeyConsumers } from '../consumers/sighting.js';
import { awsHttpStatus, describeError, IncompleteError, isAwsError } from '../errors.js';
import { addDays } from '../time.js';
import type { TrailAction, TrailOutcome } from '../trail/index.js';
import type { ActionResult, ExecutorContext, TargetUser } from './context.js';
import type { UserLease } from './lease.js';
import { ManagedSecret } from './managed-secret.js';
import { newKeyNotice, reminderNotice } from './notices.js';
import { ownershipProblem, type PlannedAction } from './planner.js';
import {
  type Delivery,
  encodePending,
  encodeStamp,
  ownerBindingOf,
  type Pending,
  type PendingOp,
  PLACEHOLDER_VERSION,
  type SecretState,
  STATE_TAGS,
  secretNameFor,
  type UserState,
} from './state.js';
import { deactivationDue } from './timeline.js';

/**
 * Performs one user's planned actions in order, under the user's lease. Each mutation is bracketed: a
 * write-ahead marker on the secret (with the lease token) before, the trail record and the marker's removal
 * after, so that a crash anywhere leaves something the next run can see and repair (planner's recovery).
 * Every write to AWS is fenced: the lease is renewed first, and a run whose lease another run took over
 * stops there (LeaseLostError) without touching anything more.
 */
export class UserExecutor {
  private secret: SecretState | null;
  private readonly owner: TargetUser;

  constructor(
    private readonly context: ExecutorContext,
    private readonly state: UserState,
    private readonly lease: UserLease,
  ) {
    this.secret = state.secret;
    this.owner = { name: state.user, arn: state.userArn, id: state.userId };
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
      case 'promote':
        return this.promote(action.keyId, action.delivery, action.reason);
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
        await this.fenced(() =>
          this.context.clients.iam.send(
            new UpdateAccessKeyCommand({
              UserName: this.state.user,
              AccessKeyId: action.keyId,
              Status: 'Inactive',
            }),
          ),
        );
        await this.record('key.deactivate', action.keyId, 'success', action.reason);
        await this.tag({
          [STATE_TAGS.pending]: '',
          [STATE_TAGS.deactivated]: encodeStamp({ keyId: action.keyId, at: this.context.clock() }),
        });
        return done();
      }
      case 'notify':
        await this.notify(action.keyId, 'reminder', action.delivery, action.oldKey);
        return done();
      case 'forget-quarantine':
        await this.tag({ [STATE_TAGS.quarantineAnswered]: '' });
        return done();
      case 'create':
        return this.create(action.replaces, action.reason, action.answersQuarantine ?? null);
    }
  }

  private async create(
    replaces: string | null,
    reason: string,
    answersQuarantine: readonly string[] | null,
  ): Promise<ActionResult> {
    await this.ensureSecret(this.pendingOf('create', null));
    const secret = await this.withCurrentVersion();
    let created: { AccessKeyId: string; SecretAccessKey: string; CreateDate?: Date | undefined };
    try {
      const answer = await this.fenced(() =>
        this.context.clients.iam.send(
          singleAttempt(new CreateAccessKeyCommand({ UserName: this.state.user })),
        ),
      );
      const key = answer.AccessKey;
      if (!key?.AccessKeyId || !key.SecretAccessKey) {
        throw new IncompleteError(`${this.state.user}: IAM answered CreateAccessKey without the key`);
      }
      created = {
        AccessKeyId: key.AccessKeyId,
        SecretAccessKey: key.SecretAccessKey,
        CreateDate: key.CreateDate,
      };
    } catch (err) {
      return this.createRefused(err);
    }
    const accessKeyId = created.AccessKeyId;
    const createDate = created.CreateDate ?? this.context.clock();
    const delivery = this.context.deliver;
    const managed = this.managedSecret(secret);
    try {
      const value =
        delivery === 'stdout'
          ? { AccessKeyId: accessKeyId, CreateDate: createDate.toISOString(), DeliveredTo: 'stdout' }
          : {
              AccessKeyId: accessKeyId,
              SecretAccessKey: created.SecretAccessKey,
              CreateDate: createDate.toISOString(),
            };
      await this.fenced(() => managed.stage(accessKeyId, delivery, value));
    } catch (err) {
      // The call may have failed after the write took effect: ask before undoing.
      if (!(await managed.holdsVersionOf(accessKeyId, delivery).catch(() => false))) {
        await this.undoUnstoredKey(
          accessKeyId,
          reason,
          `its secret could not be stored: ${describeError(err)}`,
          err,
        );
      }
    }
    // The compare-and-swap: AWSCURRENT moves to this key only if it is still the version read when planning.
    const expected = secret.currentVersionId ?? '';
    const swapped = await this.fenced(() => managed.swap(accessKeyId, delivery, expected));
    if (swapped === 'lost') {
      return this.loseSwap(accessKeyId, reason);
    }
    this.secret = { ...secret, currentKeyId: accessKeyId, currentDelivery: delivery };
    if (delivery === 'stdout') {
      this.context.onDelivery?.({
        user: this.state.user,
        accessKeyId,
        secretAccessKey: created.SecretAccessKey,
      });
    }
    await this.record('key.create', accessKeyId, 'success', reason);
    await this.record(
      delivery === 'stdout' ? 'secret.deliver-stdout' : 'secret.store',
      accessKeyId,
      'success',
      delivery === 'stdout'
        ? `shown once to the operator; ${secret.name} records the key ID only`
        : `stored in ${secret.name}`,
    );
    // An exposed key is deactivated in this same run, right after this notice (the planner's next action).
    const oldKey = replaces
      ? {
          id: replaces,
          deactivateAt: answersQuarantine
            ? createDate
            : deactivationDue(createDate, this.context.config.rotation),
        }
      : null;
    await this.notify(
      accessKeyId,
      'new-key',
      delivery,
      oldKey,
      {
        [STATE_TAGS.pending]: '',
        [STATE_TAGS.deactivated]: '',
        ...(answersQuarantine
          ? { [STATE_TAGS.quarantineAnswered]: encodeStamp({ keyId: accessKeyId, at: createDate }) }
          : {}),
      },
      answersQuarantine,
    );
    return { kind: 'create', keyId: accessKeyId, reason, outcome: 'done' };
  }

  /**
   * CreateAccessKey failed. A clear refusal (IAM answered 4xx) created nothing: the marker goes. Any other
   * failure (no answer, a lost connection, a 5xx) may have created a key whose only copy of the secret was
   * in the lost answer: the marker stays, and the next run decides under the lease (planner's recovery).
   */
  private async createRefused(err: unknown): Promise<ActionResult> {
    const status = awsHttpStatus(err);
    const refused = status !== undefined && status >= 400 && status < 500;
    if (!refused) {
      throw new IncompleteError(
        `${this.state.user}: the answer to CreateAccessKey was lost (${describeError(err)}); a key may exist: the write-ahead marker stays and the next run records and deletes it`,
        { cause: err },
      );
    }
    await this.tag({ [STATE_TAGS.pending]: '' });
    if (isAwsError(err, /LimitExceeded/)) {
      return {
        kind: 'create',
        keyId: null,
        reason: 'IAM refused a third key (a person made one since it was read); nothing created',
        outcome: 'blocked',
      };
    }
    throw err;
  }

  /**
   * A store that finds AWSCURRENT moved since planning lost the compare-and-swap: some writer that did not
   * hold the lease stored another key. This run's key was never current: it is deleted, recorded, and the
   * user is left to the next run.
   */
  private async loseSwap(accessKeyId: string, reason: string): Promise<ActionResult> {
    const why =
      'another writer changed the stored key while this run worked (its compare-and-swap was refused)';
    await this.undoUnstoredKey(accessKeyId, reason, `never stored: ${why}`, null);
    return {
      kind: 'create',
      keyId: null,
      reason: `${why}; this run's key was deleted again`,
      outcome: 'blocked',
    };
  }

  /**
   * Recovery of a key an interrupted run wrote under its own stage but never made current: the swap it
   * did not make, from the current version as read under the lease.
   */
  private async promote(keyId: string, delivery: Delivery, reason: string): Promise<ActionResult> {
    const secret = await this.withCurrentVersion();
    const managed = this.managedSecret(secret);
    const swapped = await this.fenced(() => managed.swap(keyId, delivery, secret.currentVersionId ?? ''));
    if (swapped === 'lost') {
      throw new IncompleteError(`${this.state.user}: ${secret.name} changed while ${keyId} was made current`);
    }
    this.secret = { ...secret, currentKeyId: keyId, currentDelivery: delivery };
    await this.record(
      delivery === 'stdout' ? 'secret.deliver-stdout' : 'secret.store',
      keyId,
      'success',
      reason,
    );
    return { kind: 'promote', keyId, reason, outcome: 'done' };
  }

  /** Invariant 2: a key whose secret is not stored must not live on. */
  private async undoUnstoredKey(
    accessKeyId: string,
    reason: string,
    why: string,
    cause: unknown,
  ): Promise<void> {
    await this.record('key.create', accessKeyId, 'success', reason);
    if (await this.deleteKey(accessKeyId)) await this.record('key.delete', accessKeyId, 'success', why);
    await this.tag({ [STATE_TAGS.pending]: '' });
    if (cause !== null) {
      throw new IncompleteError(
        `${this.state.user}: the new key could not be stored in ${this.secret?.name ?? 'its secret'} (${describeError(cause)}); it was deleted again`,
        { cause },
      );
    }
  }

  private async notify(
    keyId: string,
    kind: 'new-key' | 'reminder',
    delivery: Delivery,
    oldKey: { id: string; deactivateAt: Date } | null,
    extraTags: Record<string, string> = {},
    quarantine: readonly string[] | null = null,
  ): Promise<void> {
    const now = this.context.clock();
    const oldKeyConsumers = oldKey ? await this.oldKeyConsumers(kind, oldKey.id, keyId, now) : null;
    const facts = {
      quarantine,
      oldKeyConsumers,
      account: this.context.account,
      user: this.state.user,
      keyId,
      secretName: this.secret?.name ?? secretNameFor(this.state.account, this.state.user),
      delivery,
      oldKey,
      enforce: this.context.config.rotation.enforce,
      toldAt: now,
    };
    await this.context.notifier.send(kind === 'new-key' ? newKeyNotice(facts) : reminderNotice(facts));
    await this.record('notice', keyId, 'success', `owner told via ${this.context.notifier.channel}`);
    await this.tag({ ...extraTags, [STATE_TAGS.notified]: encodeStamp({ keyId, at: now }) });
  }

  /**
   * Who uses the old key, when the run can look it up: for a new key, who used the old one lately (they must
   * switch); for a reminder, only when the old key was used after its replacement was created.
   */
  private async oldKeyConsumers(
    kind: 'new-key' | 'reminder',
    oldKeyId: string,
    keyId: string,
    now: Date,
  ): Promise<OldKeyConsumers | null> {
    const source = this.context.consumers;
    if (!source) return null;
    if (kind === 'new-key') return source.consumersOf(oldKeyId, addDays(now, -HISTORY_DAYS), now);
    const replacement = this.state.keys.find((key) => key.id === keyId);
    const old = this.state.keys.find((key) => key.id === oldKeyId);
    if (!replacement || !old?.lastUsedAt || old.lastUsedAt <= replacement.createdAt) return null;
    return source.consumersOf(oldKeyId, replacement.createdAt, now);
  }

  /**
   * Creates the managed secret if the user has none yet, and binds it to its owner (owner-only policy,
   * then the owner-id tag) if it is not bound yet. The planner blocks a secret bound to someone else or with
   * an empty owner tag (`ownershipProblem`); a secret someone creates meanwhile is checked the same way.
   */
  private async ensureSecret(pending?: Pending): Promise<void> {
    if (!this.secret) {
      const name = secretNameFor(this.state.account, this.state.user);
      const managed = new ManagedSecret(this.context.clients.secrets, name);
      const created = await this.fenced(() =>
        managed.create(this.owner, this.context.kmsKeyId, pending ?? null),
      );
      // Someone created it first: take its state (and whom it is bound to) from AWS, by the planner's rule.
      const existing = created ? null : await managed.read();
      const problem = ownershipProblem(existing, this.owner.name, this.owner.id);
      if (problem) throw new IncompleteError(`${problem} (it was created while this run worked)`);
      this.secret = existing ?? {
        name,
        ownerId: null,
        currentKeyId: null,
        currentDelivery: 'secrets-manager',
        // A secret this call created holds the placeholder as AWSCURRENT (ManagedSecret.create).
        currentVersionId: created ? PLACEHOLDER_VERSION : null,
        staged: [],
        pending: null,
        deactivated: null,
        notified: null,
        quarantineAnswered: null,
      };
      if (!created && pending) await this.tag({ [STATE_TAGS.pending]: encodePending(pending) });
    } else if (pending) {
      await this.tag({ [STATE_TAGS.pending]: encodePending(pending) });
    }
    this.secret = { ...this.secret, pending: pending ?? this.secret.pending };
    // Only a secret with no owner tag at all is bound; the planner blocks every other one but the owner's.
    if (ownerBindingOf(this.secret.ownerId, this.owner.id) === 'unbound') {
      const secret = this.secret;
      await this.fenced(() => this.managedSecret(secret).bind(this.owner));
      this.secret = { ...secret, ownerId: this.owner.id };
    }
  }

  /** The secret, with an AWSCURRENT version to swap from (a new secret's placeholder, or one put now). */
  private async withCurrentVersion(): Promise<SecretState> {
    if (!this.secret) await this.ensureSecret();
    const secret = this.secret;
    if (!secret) throw new IncompleteError(`${this.state.user}: no managed secret`);
    if (secret.currentVersionId) return secret;
    // A secret that has no value yet: a new one (its placeholder) or one an older keywarden made empty.
    const fresh = (await this.managedSecret(secret).read()) ?? secret;
    const currentVersionId = fresh.currentVersionId
      ? fresh.currentVersionId
      : await this.fenced(() => this.managedSecret(secret).ensureCurrentVersion());
    this.secret = { ...secret, currentVersionId };
    return this.secret;
  }

  private managedSecret(secret: SecretState): ManagedSecret {
    return new ManagedSecret(this.context.clients.secrets, secret.name);
  }

  private pendingOf(op: PendingOp, keyId: string | null): Pending {
    return { op, keyId, at: this.context.clock(), token: this.lease.token };
  }

  private async mark(op: PendingOp, keyId: string): Promise<void> {
    await this.tag({ [STATE_TAGS.pending]: encodePending(this.pendingOf(op, keyId)) });
  }

  private async tag(tags: Record<string, string>): Promise<void> {
    const secret = this.secret;
    if (!secret) return;
    await this.fenced(() => this.managedSecret(secret).tag(tags));
  }

  /** Fencing: no write to AWS unless this run still holds the user's lease (renewed just before). */
  private async fenced<T>(write: () => Promise<T>): Promise<T> {
    await this.lease.confirm();
    return write();
  }

  /** True when this call deleted it; false when it was already gone. */
  private async deleteKey(keyId: string): Promise<boolean> {
    try {
      await this.fenced(() =>
        this.context.clients.iam.send(
          new DeleteAccessKeyCommand({ UserName: this.state.user, AccessKeyId: keyId }),
        ),
      );
      return true;
    } catch (err) {
      if (isAwsError(err, /NoSuchEntity/)) return false;
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

/**
 * One attempt only: the command's own middleware replaces the client's retry middleware (same name, step
 * and priority) with a pass-through. A retried CreateAccessKey whose first answer was lost would make a
 * second key, or meet LimitExceeded, and the first key's secret would be gone with the lost answer.
 */
function singleAttempt(command: CreateAccessKeyCommand): CreateAccessKeyCommand {
  command.middlewareStack.add((next) => next, {
    name: 'retryMiddleware',
    tags: ['RETRY'],
    step: 'finalizeRequest',
    priority: 'high',
    override: true,
  });
  return command;
}
