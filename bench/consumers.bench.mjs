// `keywarden consumers` of one key with 10,000 events in its CloudTrail event history: 200 LookupEvents pages.
// LookupEvents allows two requests a second per account and region, so 200 pages cannot take less than 100 s:
// that is the floor, and the figure is the time over it (target ≤ 1.1). The stand-in (the moto launcher's
// CloudTrail history, test/support/moto_cloudtrail.py) throttles as AWS does (a bucket of one, two a second),
// so a client faster than the limit is refused and pays for it. Measured in the same run, for comparison: the
// same 200 pages read as fast as the stand-in answers, with throttling off (what the emulator and SDK cost).
// Runs the real CLI (bin/keywarden.js): needs npm run build and moto. `npm run bench consumers` runs it alone.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { startMoto } from './audit/moto.mjs';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'keywarden.js');
const EVENTS = 10_000;
const PAGES = EVENTS / 50;
const RATE = 2;
const FLOOR_MS = (PAGES / RATE) * 1000;
const TARGET = 1.1;
const USER = 'bench-consumers';
const AS_OF = new Date('2026-11-20T12:00:00Z');

if (!existsSync(join(ROOT, 'dist', 'cli.js'))) {
  console.error('consumers: dist/cli.js is missing; run npm run build first');
  process.exit(1);
}

const moto = await startMoto();
const control = async (what, body) => {
  const response = await fetch(`${moto.endpoint}/keywarden-api/cloudtrail/${what}`, {
    method: body ? 'POST' : 'GET',
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status}`);
  return response.json();
};
try {
  const common = {
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const iam = new IAMClient(common);
  await iam.send(new CreateUserCommand({ UserName: USER }));
  const keyId = (await iam.send(new CreateAccessKeyCommand({ UserName: USER }))).AccessKey.AccessKeyId;
  // 10,000 events over the last 80 days, from 10 consumers (address × agent).
  const events = Array.from({ length: EVENTS }, (_, index) => ({
    accessKeyId: keyId,
    eventTime: new Date(AS_OF.getTime() - 3600_000 - index * 690_000).toISOString(),
    eventSource: ['s3.amazonaws.com', 'sqs.amazonaws.com', 'sts.amazonaws.com'][index % 3],
    eventName: 'ListBuckets',
    awsRegion: 'us-east-1',
    sourceIPAddress: `203.0.113.${index % 10}`,
    userAgent: index % 2 ? 'aws-cli/1.45.11 botocore/1.43.11' : 'aws-sdk-java/2.25.0 OpenJDK/17',
  }));
  for (let start = 0; start < EVENTS; start += 2000) {
    await control('events', { events: events.slice(start, start + 2000) });
  }

  // Comparison: the 200 pages unpaced, throttling off.
  const cloudtrail = new CloudTrailClient({ ...common, maxAttempts: 1 });
  let started = performance.now();
  let token;
  let rawPages = 0;
  do {
    const page = await cloudtrail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: keyId }],
        MaxResults: 50,
        NextToken: token,
      }),
    );
    rawPages++;
    token = page.NextToken;
  } while (token);
  const rawMs = performance.now() - started;

  // The measure: the real CLI against a stand-in that throttles at AWS's rate.
  await control('config', { rate: RATE, burst: 1 });
  const before = await control('stats');
  started = performance.now();
  const run = spawnSync(
    process.execPath,
    [
      BIN,
      'consumers',
      '--user',
      USER,
      '--format',
      'json',
      '--max-pages',
      '1000',
      '--as-of',
      AS_OF.toISOString(),
    ],
    { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...moto.env }, encoding: 'utf8' },
  );
  const elapsedMs = performance.now() - started;
  const after = await control('stats');
  if (run.status !== 0) throw new Error(`keywarden consumers exited ${run.status}: ${run.stderr}`);
  const [key] = JSON.parse(run.stdout).keys;
  if (key.events !== EVENTS || key.pages !== PAGES || key.truncated) {
    throw new Error(`expected ${EVENTS} events in ${PAGES} pages, got ${key.events} in ${key.pages}`);
  }
  const ratio = elapsedMs / FLOOR_MS;
  const s = (value) => `${(value / 1000).toFixed(1)} s`;
  console.log(`consumers of one key, ${EVENTS} events, ${PAGES} pages, ${key.consumers.length} consumers`);
  console.log(`  floor (${PAGES} pages at ${RATE} requests a second): ${s(FLOOR_MS)}`);
  console.log(
    `  keywarden consumers (whole process): ${s(elapsedMs)} · ${ratio.toFixed(3)}× the floor (target ≤ ${TARGET}) ${ratio <= TARGET ? 'MET' : 'MISSED'}`,
  );
  console.log(
    `  LookupEvents calls: ${after.lookups - before.lookups}, throttled: ${after.throttled - before.throttled}`,
  );
  console.log(
    `  of which paging, first to last LookupEvents answered: ${s(after.span * 1000)} (${(PAGES - 1) / RATE} s at least)`,
  );
  console.log(`  for comparison, the same ${rawPages} pages unpaced, throttling off: ${s(rawMs)}`);
  console.log(
    `  machine load (1-minute average, ${availableParallelism()} CPUs): ${loadavg()[0].toFixed(1)}`,
  );
  iam.destroy();
  cloudtrail.destroy();
} finally {
  await moto.stop();
}
