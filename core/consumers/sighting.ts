// Pure: what the notices, issue bodies and evidence say about an old key's consumers (no AWS client here).

import { isoSecond } from '../time.js';
import type { Consumer } from './group.js';

/**
 * Who still uses an old key, for the places where a person decides (the owner's notices, the Action's issue
 * bodies, the evidence pack): what was seen, or why nothing can be said. Never "no consumers" when CloudTrail
 * could not be read.
 */
export type OldKeyConsumers =
  | {
      kind: 'seen';
      accessKeyId: string;
      region: string;
      since: Date;
      until: Date;
      consumers: Consumer[];
      /** Only the most recent events were read (the page budget of a notice). */
      truncated: boolean;
    }
  | { kind: 'unreadable'; accessKeyId: string; region: string; reason: string }
  | { kind: 'not-looked-up'; accessKeyId: string; reason: string };

/** Where notices and issue bodies get an old key's consumers from (ConsumerFinder: budgeted, never throws). */
export interface OldKeyConsumerSource {
  consumersOf(accessKeyId: string, since: Date, until: Date): Promise<OldKeyConsumers>;
}

/** One consumer in a line: source, agent, last seen (the caller makes untrusted text safe for its medium). */
export interface ConsumerLine {
  sourceIp: string;
  userAgent: string;
  lastSeen: string;
  events: number;
}

/** The consumers to list (at most `limit`), and how many more there are. */
export function listedConsumers(
  found: Extract<OldKeyConsumers, { kind: 'seen' }>,
  limit = 5,
): { lines: ConsumerLine[]; more: number } {
  return {
    lines: found.consumers.slice(0, limit).map((consumer) => ({
      sourceIp: consumer.sourceIp || '(none)',
      userAgent: consumer.userAgent || '(none)',
      lastSeen: isoSecond(consumer.lastSeen),
      events: consumer.events,
    })),
    more: Math.max(0, found.consumers.length - limit),
  };
}

/**
 * The listed consumers as a Markdown table (empty when none were seen), and how many more there are. `inert`
 * makes a cell's untrusted text (source, user agent) inert for the medium the table lands in.
 */
export function consumersMarkdownTable(
  found: OldKeyConsumers,
  inert: (text: string) => string,
): { table: string[]; more: number } {
  if (found.kind !== 'seen' || found.consumers.length === 0) return { table: [], more: 0 };
  const { lines, more } = listedConsumers(found);
  return {
    table: [
      '| source | user agent | last seen | events |',
      '|---|---|---|---:|',
      ...lines.map(
        (line) =>
          `| ${inert(line.sourceIp)} | ${inert(line.userAgent)} | ${line.lastSeen} | ${line.events} |`,
      ),
    ],
    more,
  };
}

/**
 * The sentence before the list, or the one line in place of it. Every surface words it the same way; each
 * escapes the returned text for its medium (it carries the region and reasons, which are AWS's text).
 */
export function consumersHeadline(
  found: OldKeyConsumers,
  what: string,
  /** The key as the surface shows it (a masked ID in a public issue). */
  shown: string = found.accessKeyId,
): string {
  switch (found.kind) {
    case 'seen':
      if (found.consumers.length === 0) {
        return `No use of ${what} ${shown} is in CloudTrail's event history of ${found.region} since ${isoSecond(found.since)} (management events only; other regions and data events are not in it).`;
      }
      return `Seen using ${what} ${shown} since ${isoSecond(found.since)} (CloudTrail event history of ${found.region}${found.truncated ? ', the most recent events only' : ''}):`;
    case 'unreadable':
      return `Who uses ${what} ${shown} is not known: CloudTrail's event history of ${found.region} could not be read (${found.reason}).`;
    case 'not-looked-up':
      return `Who uses ${what} ${shown} was not looked up (${found.reason}): run keywarden consumers to see it.`;
  }
}

/** The facts of a key that decide whether it is still used after its replacement (a Finding has them). */
export interface KeyUseFacts {
  account: string;
  user: string;
  accessKeyId: string | null;
  status: 'Active' | 'Inactive';
  createdAt: Date;
  lastUsedAt: Date | null;
  severity: string;
}

/** A violating key used after a newer active key of its user was created: whose consumers must move. */
export interface StillUsedKey {
  account: string;
  user: string;
  accessKeyId: string;
  /** When the replacement was created: consumers seen since then are still on the old key. */
  replacedAt: Date;
  lastUsedAt: Date;
}

/**
 * The violating keys still used after their replacement, most recently used first (pure). Only these are worth
 * a CloudTrail lookup in an issue body: for any other key, who uses it is not yet a decision.
 */
export function keysUsedAfterReplacement(keys: readonly KeyUseFacts[]): StillUsedKey[] {
  const found: StillUsedKey[] = [];
  for (const key of keys) {
    if (key.severity !== 'violation' || key.status !== 'Active' || !key.accessKeyId || !key.lastUsedAt)
      continue;
    const replacement = keys
      .filter(
        (other) =>
          other !== key &&
          other.account === key.account &&
          other.user === key.user &&
          other.status === 'Active' &&
          other.createdAt > key.createdAt,
      )
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())[0];
    if (replacement && key.lastUsedAt > replacement.createdAt) {
      found.push({
        account: key.account,
        user: key.user,
        accessKeyId: key.accessKeyId,
        replacedAt: replacement.createdAt,
        lastUsedAt: key.lastUsedAt,
      });
    }
  }
  return found.sort((a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime());
}
