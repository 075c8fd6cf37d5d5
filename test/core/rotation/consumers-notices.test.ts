import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { GetUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { UntagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { ConsumerFinder } from '../../../core/consumers/finder.js';
import { STATE_TAGS } from '../../../core/rotation/state.js';
import { DAY_MS } from '../../../core/time.js';
import { type Moto, motoAvailable } from '../../support/moto.js';
import { type RotationBed, SCOPE_TAG, useRotationSuite } from '../../support/rotation-bed.js';

const now = new Date('2026-06-01T12:00:00Z');

describe.skipIf(!motoAvailable())(
  'owner notices naming who uses the old key (moto, CloudTrail stand-in)',
  () => {
    let bed: RotationBed;
    let moto: Moto;
    useRotationSuite(
      now,
      [{ name: 'alice', tags: SCOPE_TAG, keys: [{ ageDays: 85, lastUsedDaysAgo: 1 }] }],
      (running, ready) => {
        moto = running;
        bed = ready;
      },
    );
    const finder = () =>
      new ConsumerFinder(
        new CloudTrailClient({ region: 'us-east-1', endpoint: moto.endpoint, maxAttempts: 1 }),
        'us-east-1',
      );
    /** The old key signs one call (moto takes any secret): a consumer that has not moved. */
    const useOldKey = async (id: string) => {
      const client = new IAMClient({
        region: 'us-east-1',
        endpoint: moto.endpoint,
        credentials: { accessKeyId: id, secretAccessKey: 'not-checked-by-moto' },
        customUserAgent: 'legacy-report-job/2.3',
      });
      await client.send(new GetUserCommand({ UserName: 'alice' }));
      client.destroy();
    };
    /**
     * The notices' texts (SNS delivers each to the queue as a JSON envelope). Moving moto's clock a day on makes
     * the messages already read visible again: a reminder is found by its first word.
     */
    const notices = async () => (await bed.notices()).map((body) => String(JSON.parse(body).Message));
    /** The owner has not been told about the stored key: the next run reminds them. */
    const forgetNotice = () =>
      bed.secrets.send(
        new UntagResourceCommand({
          SecretId: 'keywarden/123456789012/alice',
          TagKeys: [STATE_TAGS.notified],
        }),
      );

    it('names the old key’s consumers in the new-key notice', async () => {
      const [old] = await bed.keys('alice');
      await bed.run({ consumers: finder() });

      const [notice] = await notices();
      expect(notice).toContain(`Seen using the old key ${old?.id} since 2026-03-03T12:00:00Z`);
      expect(notice).toMatch(
        / {2}- 127\.0\.0\.1 · aws-sdk-js\/\S+ .* · last seen 2026-05-31T\d\d:\d\d:\d\dZ \(1 event\)/,
      );
    });

    it('names in the reminder who still used the old key after the replacement was created, and only them', async () => {
      const [old] = await bed.keys('alice');
      await bed.run({ consumers: finder() });
      await notices();
      const later = new Date(now.getTime() + DAY_MS);
      bed.setNow(later);
      await useOldKey(old?.id ?? '');
      await forgetNotice();

      await bed.run({ consumers: finder() });

      const reminder = (await notices()).find((text) => text.startsWith('Reminder:'));
      expect(reminder).toContain(`Reminder: the access key`);
      expect(reminder).toMatch(
        new RegExp(
          `Seen using the old key ${old?.id} since 2026-06-01T12:00:0\\dZ \\(CloudTrail event history of us-east-1\\):`,
        ),
      );
      expect(reminder).toContain('legacy-report-job/2.3');
      // The SDK call that used it before the replacement is not among those still on it.
      expect(reminder).not.toContain('last seen 2026-05-31');
    });

    it('looks nothing up for a reminder when the old key was not used after its replacement', async () => {
      await bed.run({ consumers: finder() });
      await notices();
      bed.setNow(new Date(now.getTime() + DAY_MS));
      await forgetNotice();

      await bed.run({ consumers: finder() });

      const reminder = (await notices()).find((text) => text.startsWith('Reminder:'));
      expect(reminder).toContain('Reminder: the access key');
      expect(reminder).not.toContain('Seen using');
      expect(reminder).not.toContain('CloudTrail');
    });
  },
);
