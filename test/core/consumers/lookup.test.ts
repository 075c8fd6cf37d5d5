import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lookupKeyConsumers, MAX_THROTTLED_IN_A_ROW } from '../../../core/consumers/lookup.js';
import { PACE_MARGIN, RequestPacer } from '../../../core/consumers/pace.js';
import { IncompleteError } from '../../../core/errors.js';
import { configureLookup, eventsOf, lookupStats, seedEvents } from '../../support/cloudtrail.js';
import { type Moto, motoAvailable, startMoto } from '../../support/moto.js';
import { KEY, virtualTimer } from './fixtures.js';

const window = { since: new Date('2026-08-22T00:00:00Z'), until: new Date('2026-11-20T00:00:00Z') };

describe.skipIf(!motoAvailable())('lookupKeyConsumers against the CloudTrail stand-in', () => {
  let moto: Moto;
  let client: CloudTrailClient;

  beforeAll(async () => {
    moto = await startMoto();
    client = new CloudTrailClient({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    });
  }, 60_000);
  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
  });

  const lookup = (maxPages = 100) => {
    const timer = virtualTimer();
    const pacer = new RequestPacer(timer);
    return {
      timer,
      result: lookupKeyConsumers(client, KEY, window, { maxPages, pacer, region: 'us-east-1' }),
    };
  };

  it('follows every NextToken, spacing the requests at two a second on the injected clock', async () => {
    await seedEvents(moto, eventsOf(KEY, 101, new Date('2026-11-19T00:00:00Z')));
    const { timer, result } = lookup();

    expect(await result).toMatchObject({ pages: 3, events: 101, truncated: null });
    expect(timer.slept).toEqual([500 * PACE_MARGIN, 500 * PACE_MARGIN]);
    expect((await result).consumers).toHaveLength(1);
  });

  it('waits out throttling and asks again, never failing on it', async () => {
    await seedEvents(moto, eventsOf(KEY, 60, new Date('2026-11-19T00:00:00Z')));
    await configureLookup(moto, {
      failNext: ['ThrottlingException', 'ThrottlingException', 'ThrottlingException'],
    });
    const { timer, result } = lookup();

    expect(await result).toMatchObject({ pages: 2, events: 60, truncated: null });
    // After the refusals 0.1, 0.2 and 0.4 s (a refused request used no slot); then the second page one interval
    // on, an interval three refusals wider.
    expect(timer.slept).toEqual([100, 200, 400, 500 * (PACE_MARGIN + 0.06)]);
    expect(await lookupStats(moto)).toMatchObject({ lookups: 5 });
  });

  it('stops with truncated "throttling" when the refusals do not end', async () => {
    await seedEvents(moto, eventsOf(KEY, 60, new Date('2026-11-19T00:00:00Z')));
    await configureLookup(moto, {
      failNext: Array(MAX_THROTTLED_IN_A_ROW + 1).fill('ThrottlingException'),
    });
    const { result } = lookup();

    // Refused, waited out, refused again … until the limit: the lookup ends and says why.
    expect(await result).toMatchObject({ pages: 0, events: 0, truncated: 'throttling', consumers: [] });
  });

  it('stops at the page budget with truncated "max-pages", keeping what it read', async () => {
    await seedEvents(moto, eventsOf(KEY, 120, new Date('2026-11-19T00:00:00Z')));
    const { result } = lookup(2);

    expect(await result).toMatchObject({ pages: 2, events: 100, truncated: 'max-pages' });
  });

  it('retries a server error a few times, then fails in one line', async () => {
    await seedEvents(moto, eventsOf(KEY, 1, new Date('2026-11-19T00:00:00Z')));
    await configureLookup(moto, { failNext: ['InternalFailure'] });
    expect(await lookup().result).toMatchObject({ pages: 1, events: 1 });

    await configureLookup(moto, { failNext: Array(4).fill('InternalFailure') });
    const failed = lookup().result;
    await expect(failed).rejects.toThrow(IncompleteError);
    await expect(failed).rejects.toThrow(
      /^CloudTrail event history in us-east-1 cannot be read: InternalFailure/,
    );
  });

  it('reads only the given key, region and window', async () => {
    await seedEvents(moto, [
      ...eventsOf(KEY, 1, new Date('2026-11-19T00:00:00Z')),
      ...eventsOf('AKIAI44QH8DHBEXAMPLE', 1, new Date('2026-11-19T00:00:00Z')),
      ...eventsOf(KEY, 1, new Date('2026-11-19T00:00:00Z'), { awsRegion: 'eu-west-1' }),
      ...eventsOf(KEY, 1, new Date('2026-08-01T00:00:00Z')),
    ]);
    expect(await lookup().result).toMatchObject({ pages: 1, events: 1 });
  });
});
