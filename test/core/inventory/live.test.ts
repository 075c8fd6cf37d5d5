import {
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetCredentialReportCommand,
  IAMClient,
  IAMServiceException,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IncompleteError } from '../../../core/errors.js';
import {
  fetchApiInventory,
  fetchCredentialReport,
  resolveFlaggedKeyIds,
} from '../../../core/inventory/live.js';
import { evaluate } from '../../../core/policy/evaluate.js';
import { parseConfig } from '../../../core/policy/schema.js';
import { AS_OF, createdDaysAgo, keyRecord } from '../../support/records.js';

/** An error as the SDK throws it after its retries (aws-sdk-client-mock stubs below the retry layer). */
function awsError(name: string, status = 400): IAMServiceException {
  return new IAMServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: MESSAGES[name] ?? 'Something went wrong',
  });
}
const MESSAGES: Record<string, string> = {
  AccessDenied: 'User: arn:aws:iam::123456789012:user/auditor is not authorized to perform this action',
  Throttling: 'Rate exceeded',
  LimitExceeded: 'Report generation is already in progress',
  ReportInProgress: 'Report is still being generated',
  NoSuchEntity: 'The user cannot be found',
};
const DENIED = `AccessDenied: ${MESSAGES.AccessDenied}`;

const CSV = [
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated',
  'alice,arn:aws:iam::123456789012:user/alice,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2026-06-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
].join('\n');

const iam = mockClient(IAMClient);
let client: IAMClient;
let slept: number[];
const sleep = async (ms: number) => {
  slept.push(ms);
};

beforeEach(() => {
  iam.reset();
  client = new IAMClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  slept = [];
});
afterEach(() => client.destroy());

describe('fetchCredentialReport', () => {
  it('polls with growing waits until the report is COMPLETE, then reads it', async () => {
    // Prepare
    iam
      .on(GenerateCredentialReportCommand)
      .rejectsOnce(awsError('LimitExceeded', 409))
      .resolvesOnce({ State: 'STARTED' })
      .resolvesOnce({ State: 'INPROGRESS' })
      .resolves({ State: 'COMPLETE' });
    iam.on(GetCredentialReportCommand).resolves({
      Content: new TextEncoder().encode(CSV),
      GeneratedTime: new Date('2026-11-28T11:00:00Z'),
    });

    // Act
    const inventory = await fetchCredentialReport(client, { sleep });

    // Assess
    expect(slept).toEqual([250, 500, 1000]);
    expect(inventory).toMatchObject({ source: 'credential-report', account: '123456789012' });
    expect(inventory.generatedAt).toEqual(new Date('2026-11-28T11:00:00Z'));
    expect(inventory.keys).toHaveLength(1);
  });

  it('asks again when the report is not stored yet (ReportInProgress on Get)', async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    iam
      .on(GetCredentialReportCommand)
      .rejectsOnce(awsError('ReportInProgress', 404))
      .resolves({ Content: new TextEncoder().encode(CSV) });

    const inventory = await fetchCredentialReport(client, { sleep });

    expect(slept).toEqual([250]);
    expect(inventory.users).toHaveLength(1);
  });

  it('waits through throttling past the SDK retries, then reads the report', async () => {
    iam
      .on(GenerateCredentialReportCommand)
      .rejectsOnce(awsError('Throttling'))
      .resolves({ State: 'COMPLETE' });
    iam.on(GetCredentialReportCommand).resolves({ Content: new TextEncoder().encode(CSV) });

    await fetchCredentialReport(client, { sleep });

    expect(slept).toEqual([250]);
  });

  it('gives up as incomplete, saying why, when the report stays unready past the time limit', async () => {
    iam.on(GenerateCredentialReportCommand).rejects(awsError('Throttling'));

    const failure = fetchCredentialReport(client, { sleep, timeoutMs: 10_000 });

    await expect(failure).rejects.toBeInstanceOf(IncompleteError);
    await expect(failure).rejects.toThrow(
      /^the credential report was not ready after 8 s of waiting \(Throttling: Rate exceeded\); try again, or use --source api$/,
    );
    expect(slept).toEqual([250, 500, 1000, 2000, 4000]);
  });

  it('stops at once as incomplete when access is denied', async () => {
    iam.on(GenerateCredentialReportCommand).rejects(awsError('AccessDenied', 403));

    await expect(fetchCredentialReport(client, { sleep })).rejects.toThrow(
      new IncompleteError(`cannot generate the credential report: ${DENIED}`),
    );
    expect(slept).toEqual([]);
  });

  it('treats a report IAM returns that cannot be read as incomplete, not as bad input', async () => {
    iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    iam.on(GetCredentialReportCommand).resolves({ Content: new TextEncoder().encode('garbage\n') });

    await expect(fetchCredentialReport(client, { sleep })).rejects.toThrow(
      /^IAM returned a credential report keywarden cannot read: IAM credential report: not an IAM credential report/,
    );
  });
});

const user = (name: string) => ({
  UserName: name,
  UserId: `AID${name.toUpperCase()}`,
  Arn: `arn:aws:iam::123456789012:user/${name}`,
  Path: '/',
  CreateDate: new Date('2024-01-01T00:00:00Z'),
});

describe('fetchApiInventory', () => {
  beforeEach(() => {
    iam.on(ListUserTagsCommand).resolves({ Tags: [] });
    iam.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [] });
    iam.on(ListAccessKeysCommand).callsFake((input: { UserName: string }) => ({
      AccessKeyMetadata: [
        {
          UserName: input.UserName,
          AccessKeyId: `AKIA${input.UserName.toUpperCase().padEnd(16, '0')}`,
          Status: 'Active',
          CreateDate: createdDaysAgo(10),
        },
      ],
    }));
    iam
      .on(GetAccessKeyLastUsedCommand)
      .resolves({ AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } });
  });

  it('follows every ListUsers page, never trusting the first', async () => {
    // Prepare
    const pages: Record<string, object> = {
      first: { Users: [user('a1'), user('a2')], IsTruncated: true, Marker: 'page-2' },
      'page-2': { Users: [user('b1')], IsTruncated: true, Marker: 'page-3' },
      'page-3': { Users: [user('c1')], IsTruncated: false },
    };
    const markers: (string | undefined)[] = [];
    iam.on(ListUsersCommand).callsFake((input: { Marker?: string }) => {
      markers.push(input.Marker);
      return pages[input.Marker ?? 'first'];
    });

    // Act
    const inventory = await fetchApiInventory(client);

    // Assess
    expect(inventory.users.map((u) => u.user)).toEqual(['a1', 'a2', 'b1', 'c1']);
    expect(markers).toEqual([undefined, 'page-2', 'page-3']);
    expect(inventory.keys).toHaveLength(4);
    expect(inventory.gaps).toEqual([]);
  });

  it('reports the users it can read and a gap for each user access was denied on', async () => {
    // Prepare
    iam.on(ListUsersCommand).resolves({ Users: [user('alice'), user('bob'), user('carol')] });
    iam.on(ListAccessKeysCommand, { UserName: 'bob' }).rejects(awsError('AccessDenied', 403));

    // Act
    const inventory = await fetchApiInventory(client);

    // Assess
    expect(inventory.keys.map((k) => k.user).sort()).toEqual(['alice', 'carol']);
    expect(inventory.gaps).toEqual([{ scope: 'user:bob', reason: `ListAccessKeys: ${DENIED}` }]);
  });

  it('reports a gap for a key whose last use is throttled past retries', async () => {
    iam.on(ListUsersCommand).resolves({ Users: [user('alice')] });
    iam.on(GetAccessKeyLastUsedCommand).rejects(awsError('Throttling'));

    const inventory = await fetchApiInventory(client);

    expect(inventory.gaps).toEqual([
      {
        scope: 'user:alice',
        reason: 'GetAccessKeyLastUsed AKIAALICE00000000000: Throttling: Rate exceeded',
      },
    ]);
  });

  it('skips a user deleted between ListUsers and reading its keys, without a gap', async () => {
    iam.on(ListUsersCommand).resolves({ Users: [user('alice'), user('gone')] });
    iam.on(ListAccessKeysCommand, { UserName: 'gone' }).rejects(awsError('NoSuchEntity', 404));

    const inventory = await fetchApiInventory(client);

    expect(inventory.users.map((u) => u.user)).toEqual(['alice']);
    expect(inventory.gaps).toEqual([]);
  });

  it('numbers each user’s keys by creation time and reads tags and last use', async () => {
    // Prepare
    iam.on(ListUsersCommand).resolves({ Users: [user('grace')] });
    iam.on(ListUserTagsCommand).resolves({ Tags: [{ Key: 'keywarden:rotation', Value: 'enabled' }] });
    iam.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [] });
    iam.on(ListAccessKeysCommand).resolves({
      AccessKeyMetadata: [
        { AccessKeyId: 'AKIANEWER00000000000', Status: 'Active', CreateDate: createdDaysAgo(5) },
        { AccessKeyId: 'AKIAOLDER00000000000', Status: 'Inactive', CreateDate: createdDaysAgo(100) },
      ],
    });
    iam.on(GetAccessKeyLastUsedCommand, { AccessKeyId: 'AKIANEWER00000000000' }).resolves({
      AccessKeyLastUsed: { LastUsedDate: createdDaysAgo(1), ServiceName: 's3', Region: 'us-east-1' },
    });

    // Act
    const inventory = await fetchApiInventory(client);

    // Assess
    expect(inventory.users[0]?.tags).toEqual({ 'keywarden:rotation': 'enabled' });
    expect(inventory.keys.map((k) => [k.keySlot, k.accessKeyId, k.status, k.lastUsedService])).toEqual([
      [1, 'AKIAOLDER00000000000', 'Inactive', null],
      [2, 'AKIANEWER00000000000', 'Active', 's3'],
    ]);
  });

  it('fails as incomplete when the users cannot be listed at all', async () => {
    iam.on(ListUsersCommand).rejects(awsError('AccessDenied', 403));

    await expect(fetchApiInventory(client)).rejects.toThrow(
      new IncompleteError(`cannot list IAM users: ${DENIED}`),
    );
  });

  it('reports progress once per user', async () => {
    iam.on(ListUsersCommand).resolves({ Users: [user('a'), user('b'), user('c')] });
    const progress: string[] = [];

    await fetchApiInventory(client, { onProgress: (done, total) => progress.push(`${done}/${total}`) });

    expect(progress).toEqual(['1/3', '2/3', '3/3']);
  });
});

describe('resolveFlaggedKeyIds', () => {
  const config = parseConfig({}, { asOf: AS_OF });

  it('looks up key IDs for flagged users only, matching keys by creation time', async () => {
    // Prepare
    const oldKey = createdDaysAgo(120);
    const findings = evaluate(
      [
        keyRecord({ user: 'grace', createdAt: oldKey }),
        keyRecord({ user: 'grace', keySlot: 2, createdAt: createdDaysAgo(3) }),
        keyRecord({ user: 'alice' }),
      ],
      config,
      AS_OF,
    );
    iam.on(ListAccessKeysCommand, { UserName: 'grace' }).resolves({
      AccessKeyMetadata: [
        { AccessKeyId: 'AKIAGRACEOLD0000000', CreateDate: new Date(oldKey.getTime() + 400) },
        { AccessKeyId: 'AKIAGRACENEW0000000', CreateDate: createdDaysAgo(3) },
      ],
    });

    // Act
    const { findings: resolved, notes } = await resolveFlaggedKeyIds(client, findings);

    // Assess
    expect(iam.commandCalls(ListAccessKeysCommand).map((call) => call.args[0].input.UserName)).toEqual([
      'grace',
    ]);
    expect(resolved.map((f) => [f.user, f.keySlot, f.accessKeyId])).toEqual([
      ['grace', 1, 'AKIAGRACEOLD0000000'],
      ['alice', 1, null],
      ['grace', 2, null],
    ]);
    expect(notes).toEqual([]);
  });

  it('uses each key ID once when both keys were created in the same second, matching by status then slot', async () => {
    // Prepare: the same second; ListAccessKeys lists the newer key first.
    const second = createdDaysAgo(200);
    const findings = evaluate(
      [
        keyRecord({ user: 'twin', keySlot: 1, createdAt: second, status: 'Active' }),
        keyRecord({ user: 'twin', keySlot: 2, createdAt: second, status: 'Inactive' }),
      ],
      config,
      AS_OF,
    );
    iam.on(ListAccessKeysCommand, { UserName: 'twin' }).resolves({
      AccessKeyMetadata: [
        { AccessKeyId: 'AKIATWININACTIVE002', CreateDate: second, Status: 'Inactive' },
        { AccessKeyId: 'AKIATWINACTIVE00001', CreateDate: second, Status: 'Active' },
      ],
    });

    // Act
    const { findings: resolved } = await resolveFlaggedKeyIds(client, findings);

    // Assess
    expect(resolved.map((f) => [f.keySlot, f.verdict, f.accessKeyId])).toEqual([
      [1, 'overdue', 'AKIATWINACTIVE00001'],
      [2, 'stale', 'AKIATWININACTIVE002'],
    ]);
  });

  it('does not hand a flagged key 2 the ID of a compliant key 1 of the same second', async () => {
    // Prepare: key 1 needs no lookup, key 2 does; both of the same second.
    const second = createdDaysAgo(60);
    const findings = evaluate(
      [
        keyRecord({ user: 'pair', keySlot: 1, createdAt: second, lastUsedAt: createdDaysAgo(1) }),
        keyRecord({ user: 'pair', keySlot: 2, createdAt: second, lastUsedAt: null }),
      ],
      config,
      AS_OF,
    );
    iam.on(ListAccessKeysCommand, { UserName: 'pair' }).resolves({
      AccessKeyMetadata: [
        { AccessKeyId: 'AKIAPAIRFIRST000001', CreateDate: second, Status: 'Active' },
        { AccessKeyId: 'AKIAPAIRSECOND00002', CreateDate: second, Status: 'Active' },
      ],
    });

    // Act
    const { findings: resolved } = await resolveFlaggedKeyIds(client, findings);

    // Assess: only the flagged key gets an ID, and it is the second one.
    expect(resolved.map((f) => [f.keySlot, f.verdict, f.accessKeyId])).toEqual([
      [2, 'unused', 'AKIAPAIRSECOND00002'],
      [1, 'compliant', null],
    ]);
  });

  it('keeps the finding and notes the user when the lookup is denied', async () => {
    const findings = evaluate([keyRecord({ user: 'bob', createdAt: createdDaysAgo(120) })], config, AS_OF);
    iam.on(ListAccessKeysCommand).rejects(awsError('AccessDenied', 403));

    const { findings: resolved, notes } = await resolveFlaggedKeyIds(client, findings);

    expect(resolved).toEqual(findings);
    expect(notes).toEqual([`key IDs of bob not looked up: ${DENIED}`]);
  });
});
