import type { KeyUse } from './events.js';

/** Who used a key: one (source IP, user agent) pair and what it did. */
export interface Consumer {
  sourceIp: string;
  userAgent: string;
  /** The services it called (`eventSource`), sorted. */
  services: string[];
  /** The regions it called, sorted. */
  regions: string[];
  firstSeen: Date;
  lastSeen: Date;
  events: number;
}

interface Tally {
  sourceIp: string;
  userAgent: string;
  services: Set<string>;
  regions: Set<string>;
  firstSeen: Date;
  lastSeen: Date;
  events: number;
}

/**
 * Groups a key's uses by (source IP, user agent) as they arrive, page by page: memory grows with the number of
 * consumers, not of events. `consumers()` lists the most recently seen first.
 */
export class ConsumerTally {
  private readonly byConsumer = new Map<string, Tally>();
  private count = 0;

  add(use: KeyUse): void {
    this.count++;
    const key = JSON.stringify([use.sourceIp, use.userAgent]);
    const tally = this.byConsumer.get(key);
    if (!tally) {
      this.byConsumer.set(key, {
        sourceIp: use.sourceIp,
        userAgent: use.userAgent,
        services: new Set([use.service]),
        regions: new Set([use.region]),
        firstSeen: use.at,
        lastSeen: use.at,
        events: 1,
      });
      return;
    }
    tally.services.add(use.service);
    tally.regions.add(use.region);
    if (use.at < tally.firstSeen) tally.firstSeen = use.at;
    if (use.at > tally.lastSeen) tally.lastSeen = use.at;
    tally.events++;
  }

  /** How many uses were added. */
  get events(): number {
    return this.count;
  }

  consumers(): Consumer[] {
    return [...this.byConsumer.values()]
      .map((tally) => ({
        sourceIp: tally.sourceIp,
        userAgent: tally.userAgent,
        services: [...tally.services].sort(),
        regions: [...tally.regions].sort(),
        firstSeen: tally.firstSeen,
        lastSeen: tally.lastSeen,
        events: tally.events,
      }))
      .sort(
        (a, b) =>
          b.lastSeen.getTime() - a.lastSeen.getTime() ||
          b.events - a.events ||
          a.sourceIp.localeCompare(b.sourceIp) ||
          a.userAgent.localeCompare(b.userAgent),
      );
  }
}

/** The consumers of a list of uses (ConsumerTally over all of them). */
export function groupConsumers(uses: Iterable<KeyUse>): Consumer[] {
  const tally = new ConsumerTally();
  for (const use of uses) tally.add(use);
  return tally.consumers();
}
