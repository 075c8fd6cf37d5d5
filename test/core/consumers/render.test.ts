import { describe, expect, it } from 'vitest';
import { consumersJson, consumersTable } from '../../../core/consumers/render.js';
import { sampleReport as report } from './fixtures.js';

describe('consumersJson', () => {
  it('writes the schemaVersion 1 contract with ISO dates and exact values', () => {
    expect(JSON.parse(consumersJson(report()))).toEqual({
      schemaVersion: 1,
      user: 'app-reporting',
      account: '123456789012',
      region: 'us-east-1',
      since: '2026-08-22T12:00:00.000Z',
      until: '2026-11-20T12:00:00.000Z',
      keys: [
        {
          accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          status: 'Active',
          createdAt: '2026-08-01T09:00:00.000Z',
          lastUsed: { at: '2026-11-19T08:15:02.000Z', service: 's3', region: 'us-east-1' },
          consumers: [
            {
              sourceIp: '203.0.113.10',
              userAgent: 'aws-cli/1.45.11 botocore/1.43.11',
              services: ['s3.amazonaws.com', 'sts.amazonaws.com'],
              regions: ['us-east-1'],
              firstSeen: '2026-11-01T00:00:00.000Z',
              lastSeen: '2026-11-19T08:15:02.000Z',
              events: 12,
            },
          ],
          truncated: false,
          truncatedBy: null,
          pages: 1,
          events: 12,
        },
      ],
    });
  });
});

describe('consumersTable', () => {
  it('says which region it read, the window, each consumer, and what it cannot see', () => {
    expect(consumersTable(report())).toBe(
      [
        'consumers of app-reporting · account 123456789012 · CloudTrail event history of us-east-1 · 2026-08-22T12:00:00Z to 2026-11-20T12:00:00Z',
        '',
        'AKIAIOSFODNN7EXAMPLE  Active  created 2026-08-01T09:00:00Z  last used 2026-11-19T08:15:02Z (s3, us-east-1)',
        '  LAST SEEN             EVENTS  SOURCE IP     SERVICES  REGIONS    FIRST SEEN            USER AGENT',
        '  2026-11-19T08:15:02Z      12  203.0.113.10  s3,sts    us-east-1  2026-11-01T00:00:00Z  aws-cli/1.45.11 botocore/1.43.11',
        '  12 events in 1 page',
        '',
        'Seen: management events recorded in us-east-1 in the window. Not seen: data events (S3 object reads and writes, Lambda Invoke, DynamoDB items), calls to other regions (IAM, STS’s global endpoint and CloudFront are recorded in us-east-1), events older than 90 days, and calls of the last minutes (CloudTrail takes minutes to record one).',
        '',
      ].join('\n'),
    );
  });

  it('shows a crafted user agent inert: no escape sequence or line break reaches the terminal', () => {
    const table = consumersTable(
      report({
        consumers: [
          {
            sourceIp: '203.0.113.10',
            userAgent: 'evil\u001b[2J\nforged line\u202e',
            services: ['s3.amazonaws.com'],
            regions: ['us-east-1'],
            firstSeen: new Date('2026-11-01T00:00:00Z'),
            lastSeen: new Date('2026-11-19T08:15:02Z'),
            events: 1,
          },
        ],
      }),
    );
    expect(table).toContain('evil\\x1b[2J\\nforged line\\u202e');
    expect(table).not.toContain('\u001b');
  });

  it('says a truncated key is truncated, and a never-used key with no consumers so', () => {
    const truncated = consumersTable(
      report({ truncated: true, truncatedBy: 'max-pages', pages: 100, events: 5000 }),
    );
    const unused = consumersTable(report({ lastUsed: null, consumers: [], pages: 1, events: 0 }));

    expect(truncated).toContain(
      '  TRUNCATED: stopped after 100 pages (--max-pages): older uses were not read, and other consumers may exist',
    );
    expect(unused).toContain(
      'never used\n  no use of this key in the event history of us-east-1 in the window\n  0 events in 1 page',
    );
  });
});
