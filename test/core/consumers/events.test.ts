import { describe, expect, it } from 'vitest';
import { agentOf, parseKeyUse } from '../../../core/consumers/events.js';
import { IncompleteError } from '../../../core/errors.js';
import { cloudTrailEvent } from './fixtures.js';

describe('parseKeyUse', () => {
  it('reads where a call came from out of the CloudTrailEvent JSON', () => {
    expect(parseKeyUse(cloudTrailEvent(), 'event-1')).toEqual({
      at: new Date('2026-11-19T08:15:02Z'),
      sourceIp: '203.0.113.10',
      userAgent: 'aws-sdk-js/3.700.0 ua/2.1 os/linux#6.1.0 lang/js md/nodejs#20.18.0 api/s3#3.700.0',
      service: 's3.amazonaws.com',
      region: 'us-east-1',
      eventName: 'ListBuckets',
    });
  });

  it('keeps a service calling on the key’s behalf as its source', () => {
    const use = parseKeyUse(
      cloudTrailEvent({
        sourceIPAddress: 'cloudformation.amazonaws.com',
        userAgent: 'cloudformation.amazonaws.com',
      }),
      'event-2',
    );
    expect([use.sourceIp, use.userAgent]).toEqual([
      'cloudformation.amazonaws.com',
      'cloudformation.amazonaws.com',
    ]);
  });

  it('records an event without a user agent as an empty one', () => {
    const { userAgent: _, ...withoutAgent } = JSON.parse(cloudTrailEvent());
    expect(parseKeyUse(JSON.stringify(withoutAgent), 'event-3').userAgent).toBe('');
  });

  it('refuses an event it cannot read, naming it, rather than skipping it', () => {
    expect(() => parseKeyUse('{"eventTime": "yesterday"}', 'event-4')).toThrow(IncompleteError);
    expect(() => parseKeyUse('{"eventTime": "yesterday"}', 'event-4')).toThrow(
      /^CloudTrail returned event event-4 that keywarden cannot read: eventTime: /,
    );
    expect(() => parseKeyUse('not json', 'event-5')).toThrow(
      'CloudTrail returned event event-5 without readable JSON',
    );
    expect(() => parseKeyUse(undefined, undefined)).toThrow(
      'CloudTrail returned event (no ID) without readable JSON',
    );
  });
});

describe('agentOf', () => {
  it.each([
    [
      'aws-cli/1.45.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.18 m/D,g,b,N,Z cfg/retry-mode#legacy botocore/1.43.11',
      'aws-cli/1.45.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.18 cfg/retry-mode#legacy botocore/1.43.11',
    ],
    ['aws-sdk-js/3.700.0 ua/2.1 lang/js m/E,N,e,W', 'aws-sdk-js/3.700.0 ua/2.1 lang/js'],
    ['Boto3/1.34.0 Python/3.12 Botocore/1.34.0', 'Boto3/1.34.0 Python/3.12 Botocore/1.34.0'],
    ['AWS Internal', 'AWS Internal'],
    ['custom-tool/m/1', 'custom-tool/m/1'],
  ])('drops only the SDKs’ per-request feature list: %s', (agent, expected) => {
    expect(agentOf(agent)).toBe(expected);
  });
});
