import { describe, expect, it } from 'vitest';
import { consumersForIssues } from '../../../action/issues/consumers.js';
import type { AuditReport } from '../../../core/audit/report.js';
import type { OldKeyConsumers } from '../../../core/consumers/sighting.js';
import { keysUsedAfterReplacement } from '../../../core/consumers/sighting.js';

const key = (overrides: Partial<Parameters<typeof keysUsedAfterReplacement>[0][number]>) => ({
  account: '123456789012',
  user: 'alice',
  accessKeyId: 'AKIAOLD',
  status: 'Active' as const,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  lastUsedAt: new Date('2026-05-30T00:00:00Z'),
  severity: 'violation',
  ...overrides,
});

describe('keysUsedAfterReplacement', () => {
  it('picks a violating key used after its user’s newer active key was created', () => {
    const found = keysUsedAfterReplacement([
      key({}),
      key({ accessKeyId: null, createdAt: new Date('2026-05-01T00:00:00Z'), severity: 'warning' }),
      // Not used since bob's replacement: nothing to look up.
      key({ user: 'bob', lastUsedAt: new Date('2026-04-01T00:00:00Z') }),
      key({
        user: 'bob',
        accessKeyId: 'AKIABOBNEW',
        createdAt: new Date('2026-05-01T00:00:00Z'),
        severity: 'ok',
      }),
      // No replacement at all.
      key({ user: 'carol', accessKeyId: 'AKIACAROL' }),
    ]);
    expect(found).toEqual([
      {
        account: '123456789012',
        user: 'alice',
        accessKeyId: 'AKIAOLD',
        replacedAt: new Date('2026-05-01T00:00:00Z'),
        lastUsedAt: new Date('2026-05-30T00:00:00Z'),
      },
    ]);
  });
});

describe('consumersForIssues', () => {
  const report = (findings: ReturnType<typeof key>[], accounts?: unknown[]) =>
    ({
      account: '123456789012',
      asOf: new Date('2026-06-01T00:00:00Z'),
      findings,
      accounts,
    }) as unknown as AuditReport;
  const replaced = [
    key({}),
    key({ accessKeyId: null, createdAt: new Date('2026-05-01T00:00:00Z'), severity: 'ok' }),
  ];

  it('looks up only keys still used after their replacement, from the replacement on', async () => {
    const asked: [string, string, string][] = [];
    const source = {
      consumersOf: async (id: string, since: Date, until: Date): Promise<OldKeyConsumers> => {
        asked.push([id, since.toISOString(), until.toISOString()]);
        return { kind: 'unreadable', accessKeyId: id, region: 'us-east-1', reason: 'access denied' };
      },
    };
    const warnings: string[] = [];
    const found = await consumersForIssues(report(replaced), {}, (m) => warnings.push(m), source);

    expect(asked).toEqual([['AKIAOLD', '2026-05-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z']]);
    expect(found.get('AKIAOLD')?.kind).toBe('unreadable');
    // Optional: a warning, once, never a failure.
    expect(warnings).toEqual([
      'keywarden: who still uses an old key could not be looked up (access denied); the issue bodies say so. Grant the audit role cloudtrail:LookupEvents to name them (optional).',
    ]);
  });

  it('looks nothing up in a run over many accounts, and says so', async () => {
    const source = {
      consumersOf: async (): Promise<OldKeyConsumers> => {
        throw new Error('not called');
      },
    };
    const found = await consumersForIssues(report(replaced, []), {}, () => {}, source);
    expect(found.get('AKIAOLD')).toEqual({
      kind: 'not-looked-up',
      accessKeyId: 'AKIAOLD',
      reason: 'a run over many accounts does not read their CloudTrail',
    });
  });
});
