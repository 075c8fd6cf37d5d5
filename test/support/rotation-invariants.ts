import { type IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { expect } from 'vitest';
import type { TrailStore } from '../../core/trail/index.js';
import { readRecords } from './trail-records.js';

export const ACCOUNT_ID = '123456789012';

/** Counts the access-key mutations AWS carried out (successful answers), by call name. */
export class MutationLog {
  readonly done: string[] = [];
  count(call: 'CreateAccessKey' | 'UpdateAccessKey' | 'DeleteAccessKey'): number {
    return this.done.filter((name) => name === call).length;
  }
}

export interface InvariantState {
  keys: { id: string; status: string }[];
  storedKeyId: string | null;
  marker: string;
}

/** The user's keys, the key AWSCURRENT holds, and the write-ahead marker, as AWS shows them now. */
export async function rotationState(
  iam: IAMClient,
  secrets: SecretsManagerClient,
  user: string,
): Promise<InvariantState> {
  const keys = ((await iam.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata ?? []).map(
    (key) => ({ id: key.AccessKeyId ?? '', status: key.Status ?? '' }),
  );
  const name = `keywarden/${ACCOUNT_ID}/${user}`;
  const described = await secrets.send(new DescribeSecretCommand({ SecretId: name })).catch(() => null);
  const marker = described?.Tags?.find((tag) => tag.Key === 'keywarden:pending')?.Value ?? '';
  const value = await secrets.send(new GetSecretValueCommand({ SecretId: name })).catch(() => null);
  let storedKeyId: string | null = null;
  try {
    const parsed: unknown = JSON.parse(value?.SecretString ?? 'null');
    if (
      parsed &&
      typeof parsed === 'object' &&
      'AccessKeyId' in parsed &&
      typeof parsed.AccessKeyId === 'string'
    )
      storedKeyId = parsed.AccessKeyId;
  } catch {
    storedKeyId = null;
  }
  return { keys, storedKeyId, marker };
}

/**
 * Every rotation invariant of DESIGN.md that two overlapping runs could break, for one user:
 * never three keys; every Active key the runs created (not in `originalKeys`, the keys before them) is the
 * one AWSCURRENT holds, or (`repairable`, after a failed run) one a create marker covers; the stored key exists; the trail is intact, with exactly one record
 * per mutation AWS carried out and no mutation recorded twice.
 */
export async function expectRotationInvariants(options: {
  iam: IAMClient;
  secrets: SecretsManagerClient;
  trail: TrailStore;
  user: string;
  originalKeys: readonly string[];
  mutations?: MutationLog;
  repairable?: boolean;
}): Promise<InvariantState> {
  const state = await rotationState(options.iam, options.secrets, options.user);
  expect(state.keys.length).toBeLessThanOrEqual(2);
  for (const key of state.keys.filter((k) => k.status === 'Active' && !options.originalKeys.includes(k.id))) {
    const covered = options.repairable && state.marker.startsWith('create ');
    expect({ key: key.id, stored: key.id === state.storedKeyId || covered }).toEqual({
      key: key.id,
      stored: true,
    });
  }
  if (state.storedKeyId) expect(state.keys.map((k) => k.id)).toContain(state.storedKeyId);
  expect(await options.trail.verify()).toMatchObject({ intact: true });
  const records = (await readRecords(options.trail)).filter((record) => record.user === options.user);
  const mutating = records
    .filter((record) => /^key\.(create|deactivate|delete)$/.test(record.action))
    .map((record) => `${record.action} ${record.accessKeyId}`);
  expect(mutating).toEqual([...new Set(mutating)]);
  if (options.mutations && !options.repairable) {
    const recorded = (action: string) => records.filter((record) => record.action === action).length;
    expect({
      create: recorded('key.create'),
      deactivate: recorded('key.deactivate'),
      delete: recorded('key.delete'),
    }).toEqual({
      create: options.mutations.count('CreateAccessKey'),
      deactivate: options.mutations.count('UpdateAccessKey'),
      delete: options.mutations.count('DeleteAccessKey'),
    });
  }
  return state;
}
