import type { PaceTimer } from '../../../core/consumers/pace.js';
import type { ConsumersReport } from '../../../core/consumers/report.js';

/**
 * CloudTrail records as LookupEvents returns them in `CloudTrailEvent`: the shape of real management events
 * (userIdentity, tlsDetails, requestParameters …), with documentation addresses and example key IDs.
 */
export const KEY = 'AKIAIOSFODNN7EXAMPLE';

export function cloudTrailEvent(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    eventVersion: '1.09',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDACKCEVSQ6C2EXAMPLE',
      arn: 'arn:aws:iam::123456789012:user/app-reporting',
      accountId: '123456789012',
      accessKeyId: KEY,
      userName: 'app-reporting',
    },
    eventTime: '2026-11-19T08:15:02Z',
    eventSource: 's3.amazonaws.com',
    eventName: 'ListBuckets',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.10',
    userAgent: 'aws-sdk-js/3.700.0 ua/2.1 os/linux#6.1.0 lang/js md/nodejs#20.18.0 api/s3#3.700.0 m/E,N,e,W',
    requestParameters: { Host: 's3.us-east-1.amazonaws.com' },
    responseElements: null,
    additionalEventData: { SignatureVersion: 'SigV4', AuthenticationMethod: 'AuthHeader' },
    requestID: 'H7BQ5KXJXR3C0P1N',
    eventID: '6b0a1a0c-1f0e-4b33-9a8e-2f3f1e9c1a11',
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '123456789012',
    eventCategory: 'Management',
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: 's3.us-east-1.amazonaws.com',
    },
    ...overrides,
  });
}

/** A clock that only moves when someone sleeps: spacing is proven without waiting. */
export function virtualTimer(): PaceTimer & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

/** The report the guide (docs/consumers.md) shows; `overrides` change its one key. */
export const sampleReport = (overrides: Partial<ConsumersReport['keys'][number]> = {}): ConsumersReport => ({
  schemaVersion: 1,
  user: 'app-reporting',
  account: '123456789012',
  region: 'us-east-1',
  since: new Date('2026-08-22T12:00:00Z'),
  until: new Date('2026-11-20T12:00:00Z'),
  keys: [
    {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      status: 'Active',
      createdAt: new Date('2026-08-01T09:00:00Z'),
      lastUsed: { at: new Date('2026-11-19T08:15:02Z'), service: 's3', region: 'us-east-1' },
      consumers: [
        {
          sourceIp: '203.0.113.10',
          userAgent: 'aws-cli/1.45.11 botocore/1.43.11',
          services: ['s3.amazonaws.com', 'sts.amazonaws.com'],
          regions: ['us-east-1'],
          firstSeen: new Date('2026-11-01T00:00:00Z'),
          lastSeen: new Date('2026-11-19T08:15:02Z'),
          events: 12,
        },
      ],
      truncated: false,
      truncatedBy: null,
      pages: 1,
      events: 12,
      ...overrides,
    },
  ],
});
