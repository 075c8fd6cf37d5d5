import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { describe, expect, it } from 'vitest';
import { ConsumerFinder } from '../../../core/consumers/finder.js';

describe('ConsumerFinder', () => {
  it('names the budget it was given when it runs out, not the default one', async () => {
    // Prepare: a budget spent before the first lookup (evidence gives 6, notices 3); CloudTrail is never asked.
    const client = new CloudTrailClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
    const finder = new ConsumerFinder(client, 'us-east-1', { maxLookups: 0 });

    // Act
    const found = await finder.consumersOf('AKIAIOSFODNN7EXAMPLE', new Date(0), new Date());

    // Assess
    expect(found).toEqual({
      kind: 'not-looked-up',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      reason: 'keywarden looks up at most 0 keys a run',
    });
    client.destroy();
  });
});
