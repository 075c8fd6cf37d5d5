import type { Moto } from './moto.js';

/**
 * The CloudTrail event history the moto launcher keeps (test/support/moto_cloudtrail.py): every signed request moto
 * receives is recorded, and LookupEvents answers from that record. These controls add events that no request
 * could make here (other addresses, old dates, many thousands) and script throttling.
 */
export interface SeededEvent {
  accessKeyId: string;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  managementEvent?: boolean;
  readOnly?: boolean;
}

async function control(moto: Moto, what: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${moto.endpoint}/keywarden-api/cloudtrail/${what}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  if (!response.ok) throw new Error(`cloudtrail ${what}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

/** Adds events to the history, as if CloudTrail had recorded them. */
export async function seedEvents(moto: Moto, events: readonly SeededEvent[]): Promise<void> {
  for (let start = 0; start < events.length; start += 2000) {
    await control(moto, 'events', { events: events.slice(start, start + 2000) });
  }
}

/**
 * `rate`/`burst`: LookupEvents' token bucket per account and region (AWS: 2 a second; 0 = never throttled, the
 * default). `failNext`: error codes the next LookupEvents calls answer with, in order.
 */
export async function configureLookup(
  moto: Moto,
  settings: { rate?: number; burst?: number; failNext?: string[] },
): Promise<void> {
  await control(moto, 'config', settings);
}

/** LookupEvents calls answered (throttled ones included), how many were throttled, events recorded. */
export async function lookupStats(
  moto: Moto,
): Promise<{ lookups: number; throttled: number; recorded: number }> {
  return (await control(moto, 'stats')) as { lookups: number; throttled: number; recorded: number };
}

/** `count` events of one consumer, one a minute back from `newest`. */
export function eventsOf(
  accessKeyId: string,
  count: number,
  newest: Date,
  consumer: Partial<SeededEvent> = {},
): SeededEvent[] {
  return Array.from({ length: count }, (_, index) => ({
    accessKeyId,
    eventTime: new Date(newest.getTime() - index * 60_000).toISOString(),
    eventSource: 's3.amazonaws.com',
    eventName: 'ListBuckets',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.10',
    userAgent: 'aws-sdk-java/2.25.0 Linux/5.10 OpenJDK_64-Bit_Server_VM/17',
    ...consumer,
  }));
}
