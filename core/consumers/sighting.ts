// Pure: what the notices, issue bodies and evidence say about an old key's consumers (no AWS client here).
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

const isoSecond = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

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
 * The sentence before the list, or the one line in place of it. Every surface words it the same way; each
 * escapes the returned text for its medium (it carries the region and reasons, which are AWS's text).
 */
export function consumersHeadline(found: OldKeyConsumers, what: string): string {
  switch (found.kind) {
    case 'seen':
      if (found.consumers.length === 0) {
        return `No use of ${what} ${found.accessKeyId} is in CloudTrail's event history of ${found.region} since ${isoSecond(found.since)} (management events only; other regions and data events are not in it).`;
      }
      return `Seen using ${what} ${found.accessKeyId} since ${isoSecond(found.since)} (CloudTrail event history of ${found.region}${found.truncated ? ', the most recent events only' : ''}):`;
    case 'unreadable':
      return `Who uses ${what} ${found.accessKeyId} is not known: CloudTrail's event history of ${found.region} could not be read (${found.reason}).`;
    case 'not-looked-up':
      return `Who uses ${what} ${found.accessKeyId} was not looked up (${found.reason}): run keywarden consumers to see it.`;
  }
}
