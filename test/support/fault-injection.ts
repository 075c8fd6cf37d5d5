import type { Notifier } from '../../core/rotation/index.js';
import type { TrailStore } from '../../core/trail/index.js';

/** Thrown by the injector: a call that took effect, followed by a failure (timeout, crash of the caller). */
export class InjectedFault extends Error {
  override name = 'InjectedFault';
}

/**
 * Counts every AWS call (IAM, Secrets Manager, SNS) and every trail append, by name, in order. When armed
 * with `failAfter = n`, the n-th call completes and then throws, once. Successful mutating calls are
 * tallied so that tests can compare them with the trail.
 */
export class CallLog {
  calls: string[] = [];
  succeeded = new Map<string, number>();
  failAfter: number | null = null;

  observe(name: string): void {
    this.calls.push(name);
    this.succeeded.set(name, (this.succeeded.get(name) ?? 0) + 1);
    if (this.failAfter !== null && this.calls.length === this.failAfter) {
      this.failAfter = null;
      throw new InjectedFault(`injected fault after ${name}`);
    }
  }

  count(name: string): number {
    return this.succeeded.get(name) ?? 0;
  }

  reset(): void {
    this.calls = [];
  }
}

type Middleware = (
  next: (args: unknown) => Promise<unknown>,
  context: { commandName?: string },
) => (args: unknown) => Promise<unknown>;

/** Any SDK v3 client (their middleware stacks differ only in generic types). */
interface SdkClient {
  middlewareStack: { add(middleware: Middleware, options: { step: 'initialize'; name: string }): void };
}

export function instrumentClient(client: object, log: CallLog): void {
  (client as SdkClient).middlewareStack.add(
    (next, context) => async (args) => {
      const output = await next(args);
      log.observe(String(context.commandName).replace(/Command$/, ''));
      return output;
    },
    { step: 'initialize', name: 'keywardenFaultInjector' },
  );
}

export function instrumentTrail(store: TrailStore, log: CallLog): TrailStore {
  return {
    description: store.description,
    read: (period) => store.read(period),
    verify: () => store.verify(),
    async append(entry) {
      const record = await store.append(entry);
      log.observe(`trail ${entry.action}`);
      return record;
    },
  };
}

export function instrumentNotifier(notifier: Notifier, log: CallLog): Notifier {
  return {
    channel: notifier.channel,
    async send(notice) {
      await notifier.send(notice);
      log.observe('Publish');
    },
  };
}
