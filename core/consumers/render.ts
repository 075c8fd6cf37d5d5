import { visible } from '../text.js';
import { isoSecond } from '../time.js';
import type { Consumer } from './group.js';
import type { ConsumersReport, KeyConsumersReport } from './report.js';

const iso = (date: Date) => date.toISOString();

/** The `--format json` contract (schemaVersion 1): dates as ISO 8601, values exact (never escaped). */
export function consumersJson(report: ConsumersReport): string {
  return `${JSON.stringify(
    {
      schemaVersion: report.schemaVersion,
      user: report.user,
      account: report.account,
      region: report.region,
      since: iso(report.since),
      until: iso(report.until),
      keys: report.keys.map((key) => ({
        accessKeyId: key.accessKeyId,
        status: key.status,
        createdAt: iso(key.createdAt),
        lastUsed: key.lastUsed
          ? { at: iso(key.lastUsed.at), service: key.lastUsed.service, region: key.lastUsed.region }
          : null,
        consumers: key.consumers.map((consumer) => ({
          sourceIp: consumer.sourceIp,
          userAgent: consumer.userAgent,
          services: consumer.services,
          regions: consumer.regions,
          firstSeen: iso(consumer.firstSeen),
          lastSeen: iso(consumer.lastSeen),
          events: consumer.events,
        })),
        truncated: key.truncated,
        truncatedBy: key.truncatedBy,
        pages: key.pages,
        events: key.events,
      })),
    },
    null,
    2,
  )}\n`;
}

/** What LookupEvents cannot show, said under every table. */
export function blindSpots(region: string): string {
  return (
    `Seen: management events recorded in ${region} in the window. Not seen: data events (S3 object reads and writes, ` +
    'Lambda Invoke, DynamoDB items), calls to other regions (IAM, STS’s global endpoint and CloudFront are recorded ' +
    'in us-east-1), events older than 90 days, and calls of the last minutes (CloudTrail takes minutes to record one).'
  );
}

/** A service for people: `s3.amazonaws.com` → `s3`. */
const shortService = (service: string) => service.replace(/\.amazonaws\.com$/, '');

/** For people: aligned columns; text from CloudTrail (agents, addresses) shown through `visible`. */
export function consumersTable(report: ConsumersReport): string {
  const lines = [
    `consumers of ${visible(report.user)} · account ${visible(report.account)} · CloudTrail event history of ${visible(report.region)} · ${isoSecond(report.since)} to ${isoSecond(report.until)}`,
  ];
  if (report.keys.length === 0) lines.push('', `${visible(report.user)} has no access keys.`);
  for (const key of report.keys) lines.push('', ...keyBlock(key, report.region));
  lines.push('', blindSpots(visible(report.region)));
  return `${lines.join('\n')}\n`;
}

function keyBlock(key: KeyConsumersReport, region: string): string[] {
  const lastUsed = key.lastUsed
    ? `last used ${isoSecond(key.lastUsed.at)}${
        key.lastUsed.service || key.lastUsed.region
          ? ` (${[key.lastUsed.service, key.lastUsed.region]
              .filter((part): part is string => Boolean(part))
              .map((part) => visible(part))
              .join(', ')})`
          : ''
      }`
    : 'never used';
  const lines = [
    `${visible(key.accessKeyId)}  ${key.status}  created ${isoSecond(key.createdAt)}  ${lastUsed}`,
  ];
  if (key.consumers.length > 0) lines.push(...consumerRows(key.consumers).map((row) => `  ${row}`));
  else lines.push(`  no use of this key in the event history of ${visible(region)} in the window`);
  lines.push(
    `  ${key.events} event${key.events === 1 ? '' : 's'} in ${key.pages} page${key.pages === 1 ? '' : 's'}`,
  );
  if (key.truncatedBy === 'max-pages') {
    lines.push(
      `  TRUNCATED: stopped after ${key.pages} pages (--max-pages): older uses were not read, and other consumers may exist`,
    );
  } else if (key.truncatedBy === 'throttling') {
    lines.push(
      '  TRUNCATED: CloudTrail kept throttling LookupEvents (another caller shares the 2 requests a second): older uses were not read; run again later',
    );
  }
  const elsewhere = key.lastUsed?.region;
  if (elsewhere && elsewhere !== region) {
    lines.push(
      `  last used in ${visible(elsewhere)}, whose event history this lookup does not read: run again with --region ${visible(elsewhere)}`,
    );
  }
  return lines;
}

function consumerRows(consumers: readonly Consumer[]): string[] {
  const header = ['LAST SEEN', 'EVENTS', 'SOURCE IP', 'SERVICES', 'REGIONS', 'FIRST SEEN', 'USER AGENT'];
  const rows = consumers.map((consumer) => [
    isoSecond(consumer.lastSeen),
    String(consumer.events),
    visible(consumer.sourceIp || '(none)'),
    consumer.services.map((service) => visible(shortService(service))).join(','),
    consumer.regions.map(visible).join(','),
    isoSecond(consumer.firstSeen),
    visible(consumer.userAgent || '(none)'),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  return [header, ...rows].map((cells) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1
          ? cell
          : column === 1
            ? cell.padStart(widths[column] ?? 0)
            : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd(),
  );
}
