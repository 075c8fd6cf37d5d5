import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desiredIssues } from '../../action/issues/render.js';
import { runAudit } from '../../core/audit/run.js';
import { parseConfig } from '../../core/policy/schema.js';
import { DAY_MS } from '../../core/time.js';
import { type Moto, motoAvailable, startMoto } from '../support/moto.js';

const created = new Date('2026-03-01T12:00:00.050Z');
const asOf = new Date(created.getTime() + 200 * DAY_MS);

describe.skipIf(!motoAvailable())(
  'a live credential-report audit of a user with two keys of the same second',
  () => {
    let moto: Moto;
    let iam: IAMClient;
    let keyIds: string[] = [];

    beforeAll(async () => {
      moto = await startMoto();
      moto.useInThisProcess();
      iam = new IAMClient({ region: 'us-east-1', endpoint: moto.endpoint });
      // moto's clock starts 50 ms into a second: both keys are created within it.
      moto.setNow(created);
      await iam.send(new CreateUserCommand({ UserName: 'twin' }));
      for (let i = 0; i < 2; i++) await iam.send(new CreateAccessKeyCommand({ UserName: 'twin' }));
      const listed =
        (await iam.send(new ListAccessKeysCommand({ UserName: 'twin' }))).AccessKeyMetadata ?? [];
      keyIds = listed
        .sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0))
        .map((key) => key.AccessKeyId as string);
      const seconds = listed.map((key) => Math.floor((key.CreateDate?.getTime() ?? 0) / 1000));
      expect(new Set(seconds).size).toBe(1);
      moto.setNow(asOf);
    });
    afterAll(async () => {
      iam?.destroy();
      await moto?.stop();
    });

    it('names each overdue key by its own ID, and the fix-it commands name the right key', async () => {
      // Prepare
      const config = parseConfig({}, { asOf });

      // Act
      const report = await runAudit({ config, asOf, source: 'credential-report' });
      const issue = desiredIssues(report.findings, {
        policy: report.policy,
        asOf,
        maskKeyIds: false,
        users: [],
      })[0];

      // Assess
      const twin = report.findings.filter((finding) => finding.user === 'twin');
      expect(twin.map((finding) => [finding.keySlot, finding.verdict, finding.accessKeyId])).toEqual([
        [1, 'overdue', keyIds[0]],
        [2, 'overdue', keyIds[1]],
      ]);
      for (const id of keyIds) {
        expect(issue?.body).toContain(
          `aws iam update-access-key --user-name twin --access-key-id ${id} --status Inactive`,
        );
        expect(issue?.body).toContain(`aws iam delete-access-key --user-name twin --access-key-id ${id}`);
      }
    });
  },
);
