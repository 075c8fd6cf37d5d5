import { describe, expect, it } from 'vitest';
import type { OldKeyConsumers } from '../../../core/consumers/sighting.js';
import {
  consumersAroundRotations,
  rotationConsumersHtml,
  rotationConsumersMarkdown,
  rotationsIn,
} from '../../../core/evidence/consumers.js';

const record = (seq: number, action: string, accessKeyId: string, at: string, user = 'build-bot') => ({
  seq,
  at,
  account: '123456789012',
  action,
  user,
  accessKeyId,
  outcome: 'success',
});

const trail = [
  record(1, 'key.create', 'AKIANEW', '2026-05-01T00:00:00.000Z'),
  record(2, 'secret.store', 'AKIANEW', '2026-05-01T00:00:01.000Z'),
  record(3, 'key.create', 'AKIAFIRST', '2026-05-02T00:00:00.000Z', 'new-user'),
  record(4, 'key.deactivate', 'AKIAOLD', '2026-05-08T00:00:00.000Z'),
  record(5, 'key.delete', 'AKIAOLD', '2026-05-15T00:00:00.000Z'),
];

describe('rotationsIn', () => {
  it('pairs a created key with the key of the same user deactivated after it; a first key is no rotation', () => {
    expect(rotationsIn(trail)).toEqual([
      {
        account: '123456789012',
        user: 'build-bot',
        oldKeyId: 'AKIAOLD',
        newKeyId: 'AKIANEW',
        rotatedAt: new Date('2026-05-01T00:00:00Z'),
        retiredAt: new Date('2026-05-08T00:00:00Z'),
      },
    ]);
  });
});

describe('consumersAroundRotations', () => {
  it('looks up the old key before its replacement (30 days) and from then until it was deactivated', async () => {
    const asked: string[] = [];
    const source = {
      consumersOf: async (id: string, since: Date, until: Date): Promise<OldKeyConsumers> => {
        asked.push(`${id} ${since.toISOString()} ${until.toISOString()}`);
        return {
          kind: 'seen',
          accessKeyId: id,
          region: 'us-east-1',
          since,
          until,
          consumers: [],
          truncated: false,
        };
      },
    };
    await consumersAroundRotations(rotationsIn(trail), source, new Date('2026-06-01T00:00:00Z'));
    expect(asked).toEqual([
      'AKIAOLD 2026-04-01T00:00:00.000Z 2026-05-01T00:00:00.000Z',
      'AKIAOLD 2026-05-01T00:00:00.000Z 2026-05-08T00:00:00.000Z',
    ]);
  });

  it('does not look up a rotation older than CloudTrail keeps, and says so', async () => {
    const found = await consumersAroundRotations(
      rotationsIn(trail),
      { consumersOf: async () => Promise.reject(new Error('not called')) },
      new Date('2026-09-01T00:00:00Z'),
    );
    expect(found[0]?.before).toEqual({
      kind: 'not-looked-up',
      accessKeyId: 'AKIAOLD',
      reason: "the rotation is older than CloudTrail's 90-day event history",
    });
  });
});

describe('the evidence section', () => {
  const [rotation] = rotationsIn(trail);
  const seen: OldKeyConsumers = {
    kind: 'seen',
    accessKeyId: 'AKIAOLD',
    region: 'us-east-1',
    since: new Date('2026-04-01T00:00:00Z'),
    until: new Date('2026-05-01T00:00:00Z'),
    truncated: false,
    consumers: [
      {
        sourceIp: '203.0.113.10',
        userAgent: 'agent <script>alert(1)</script> | pipe',
        services: ['s3.amazonaws.com'],
        regions: ['us-east-1'],
        firstSeen: new Date('2026-04-02T00:00:00Z'),
        lastSeen: new Date('2026-04-30T00:00:00Z'),
        events: 3,
      },
    ],
  };
  const unreadable: OldKeyConsumers = {
    kind: 'unreadable',
    accessKeyId: 'AKIAOLD',
    region: 'us-east-1',
    reason: 'access denied',
  };
  const rotations = rotation ? [{ ...rotation, before: seen, after: unreadable }] : [];

  it('shows before and after in Markdown, escaped, and says when CloudTrail could not be read', () => {
    expect(rotationConsumersMarkdown(rotations).join('\n')).toContain(
      [
        '### build-bot: AKIAOLD replaced by AKIANEW on 2026-05-01T00:00:00Z, deactivated 2026-05-08T00:00:00Z',
        '',
        '**Before:** Seen using the key AKIAOLD since 2026-04-01T00:00:00Z \\(CloudTrail event history of us-east-1\\):',
        '',
        '| source | user agent | last seen | events |',
        '|---|---|---|---:|',
        '| 203.0.113.10 | agent &lt;script&gt;alert\\(1\\)&lt;/script&gt; \\| pipe | 2026-04-30T00:00:00Z | 3 |',
        '',
        "**After:** Who uses the key AKIAOLD is not known: CloudTrail's event history of us-east-1 could not be read \\(access denied\\).",
      ].join('\n'),
    );
  });

  it('shows the same in HTML, escaped', () => {
    const html = rotationConsumersHtml(rotations);
    expect(html).toContain('<td>agent &lt;script&gt;alert(1)&lt;/script&gt; | pipe</td>');
    expect(html).not.toContain('<script>');
  });

  it('adds nothing when no rotation was looked up', () => {
    expect(rotationConsumersMarkdown(undefined)).toEqual([]);
    expect(rotationConsumersHtml([])).toBe('');
  });
});
