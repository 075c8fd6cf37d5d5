import { describe, expect, it } from 'vitest';
import { parseKeyUse } from '../../../core/consumers/events.js';
import { groupConsumers } from '../../../core/consumers/group.js';
import { cloudTrailEvent } from './fixtures.js';

const CLI = 'aws-cli/1.45.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.18 cfg/retry-mode#legacy botocore/1.43.11';
const use = (overrides: Record<string, unknown>) => parseKeyUse(cloudTrailEvent(overrides), 'id');

describe('groupConsumers', () => {
  it('groups by (source IP, user agent), with the services and regions each called, first and last seen', () => {
    const consumers = groupConsumers([
      use({ eventTime: '2026-11-19T08:15:02Z' }),
      use({ eventTime: '2026-11-18T08:15:02Z', eventSource: 'sqs.amazonaws.com', awsRegion: 'eu-west-1' }),
      // The same program, another request: another feature list, the same consumer.
      use({
        eventTime: '2026-11-17T08:15:02Z',
        userAgent: 'aws-sdk-js/3.700.0 ua/2.1 os/linux#6.1.0 lang/js md/nodejs#20.18.0 api/s3#3.700.0 m/N',
      }),
      use({ eventTime: '2026-11-10T00:00:00Z', sourceIPAddress: '198.51.100.7', userAgent: `${CLI} m/D,g` }),
      use({
        eventTime: '2026-11-19T09:00:00Z',
        sourceIPAddress: '198.51.100.7',
        eventSource: 'sts.amazonaws.com',
        userAgent: `${CLI} m/b`,
      }),
    ]);

    expect(consumers).toEqual([
      {
        sourceIp: '198.51.100.7',
        userAgent: CLI,
        services: ['s3.amazonaws.com', 'sts.amazonaws.com'],
        regions: ['us-east-1'],
        firstSeen: new Date('2026-11-10T00:00:00Z'),
        lastSeen: new Date('2026-11-19T09:00:00Z'),
        events: 2,
      },
      {
        sourceIp: '203.0.113.10',
        userAgent: 'aws-sdk-js/3.700.0 ua/2.1 os/linux#6.1.0 lang/js md/nodejs#20.18.0 api/s3#3.700.0',
        services: ['s3.amazonaws.com', 'sqs.amazonaws.com'],
        regions: ['eu-west-1', 'us-east-1'],
        firstSeen: new Date('2026-11-17T08:15:02Z'),
        lastSeen: new Date('2026-11-19T08:15:02Z'),
        events: 3,
      },
    ]);
  });

  it('keeps the same agent from two addresses apart: two machines are two consumers', () => {
    const consumers = groupConsumers([
      use({ sourceIPAddress: '203.0.113.10' }),
      use({ sourceIPAddress: '203.0.113.11' }),
    ]);
    expect(consumers.map((consumer) => consumer.sourceIp)).toEqual(['203.0.113.10', '203.0.113.11']);
  });

  it('finds no consumer in no events', () => {
    expect(groupConsumers([])).toEqual([]);
  });
});
