import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { HISTORY_DAYS } from '../consumers/limits.js';
import type { OldKeyConsumers } from '../consumers/sighting.js';
import { describeError, IncompleteError } from '../errors.js';
import { addDays } from '../time.js';
import type { TrailAction, TrailOutcome } from '../trail/index.js';
import { type ActionResult, type ExecutorContext, isNamed, type TargetUser } from './context.js';
import { firstKeyWinner } from './first-key.js';
import { ManagedSecret } from './managed-secret.js';
import { newKeyNotice, reminderNotice } from './notices.js';
import { ownershipProblem, type PlannedAction } from './planner.js';
import {
  type Delivery,
  encodePending,
  encodeStamp,
  ownerBindingOf,
  type PendingOp,
  type SecretState,
  STATE_TAGS,
  secretNameFor,
  type UserState,
} from './state.js';
import { deactivationDue } from './timeline.js';

/** IAM's CreateDate has whole seconds: wait past the second before looking for a rival first key. */
const FIRST_KEY_SETTLE_MS = 1_100;

type CreatedKey = { AccessKeyId?: string; SecretAccessKey?: string; CreateDate?: Date };

/**
 * Performs one user's planned actions in order. Each mutation is bracketed: a write-ahead marker on the
 * secret before, the trail record and the marker's removal after, so that a crash anywhere leaves
 * something the next run can see and repair (see planner's recovery).
 */
export class UserExecutor {
  private secret: SecretState | null;
  private readonly owner: TargetUser;

  constructor(
    private readonly context: ExecutorContext,
    private readonly state: UserState,
  ) {
    this.secret = state.secret;
    this.owner = { name: state.user, arn: state.userArn, id: state.userId };
  }

  private get managedSecret(): ManagedSecret {
    const name = (this.secret as SecretState).name;
    return new ManagedSecret(this.context.clients.secrets, name);
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
    const { iam } = this.context.clients;
    await this.ensureSecret({ op: 'create', keyId: null, at: this.context.clock() });
    const secretName = (this.secret as SecretState).name;
    let created: CreatedKey | undefined;
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
    if (this.state.keys.length === 0) {
      const lost = await this.loseFirstKeyRace(accessKeyId, createDate, reason);
      if (lost) return lost;
    }
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
      await this.managedSecret.store(accessKeyId, delivery, value);
    } catch (err) {
      // The call may have failed after the write took effect: ask before undoing.
      if (!(await this.managedSecret.currentVersionIs(accessKeyId, delivery))) {
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
   * Invariant 5 for a user with no key, where IAM's two-key limit does not separate two runs: after
   * creating, look for keys other runs created since this user was read; `firstKeyWinner` picks the one
   * kept, and a loser deletes its own key before storing anything.
   */
  private async loseFirstKeyRace(
    accessKeyId: string,
    createDate: Date,
    reason: string,
  ): Promise<ActionResult | null> {
    const settleMs = this.context.firstKeySettleMs ?? FIRST_KEY_SETTLE_MS;
    if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
    const listed = await this.context.clients.iam.send(
      new ListAccessKeysCommand({ UserName: this.state.user }),
    );
    const contenders = (listed.AccessKeyMetadata ?? [])
      .filter((key) => key.AccessKeyId && key.AccessKeyId !== accessKeyId)
      .map((key) => ({ id: key.AccessKeyId as string, createdAt: key.CreateDate ?? new Date(0) }));
    const winner = firstKeyWinner([...contenders, { id: accessKeyId, createdAt: createDate }]);
    if (winner === accessKeyId) return null;
    await this.record('key.create', accessKeyId, 'success', reason);
    if (await this.deleteKey(accessKeyId)) {
      await this.record('key.delete', accessKeyId, 'success', `another run issued the first key (${winner})`);
    }
    // The marker stays: the winner clears it once its key is stored; if the winner stops first, the next
    // run finds the marker and deletes the winner's unstored key.
    return {
      kind: 'create',
      keyId: null,
      reason: `another run issued the first key (${winner}) at the same time; this run's key was deleted again`,
      outcome: 'blocked',
    };
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
      secretName: (this.secret as SecretState).name,
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
   * an empty owner tag (`ownershipProblem`); a secret another run creates meanwhile is checked the same way.
   */
  private async ensureSecret(pending?: SecretState['pending']): Promise<void> {
    if (!this.secret) {
      const name = secretNameFor(this.state.account, this.state.user);
      const managed = new ManagedSecret(this.context.clients.secrets, name);
      const created = await managed.create(this.owner, this.context.kmsKeyId, pending ?? null);
      // Another run created it first: take its state (and whom it is bound to) from AWS, by the planner's rule.
      const existing = created ? null : await managed.read();
      const problem = ownershipProblem(existing, this.owner.name, this.owner.id);
      if (problem) throw new IncompleteError(`${problem} (another run had just created it)`);
      this.secret = existing ?? {
        name,
        ownerId: null,
        currentKeyId: null,
        currentDelivery: 'secrets-manager',
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
      await this.managedSecret.bind(this.owner);
      this.secret = { ...this.secret, ownerId: this.owner.id };
    }
  }

  private async mark(op: PendingOp, keyId: string): Promise<void> {
    await this.tag({ [STATE_TAGS.pending]: encodePending({ op, keyId, at: this.context.clock() }) });
  }

  private async tag(tags: Record<string, string>): Promise<void> {
    if (!this.secret) return;
    await this.managedSecret.tag(tags);
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
