import type { AuditReport } from '../../core/audit/report.js';
import type { KeyRecord } from '../../core/inventory/records.js';
import { evaluate, summarize } from '../../core/policy/evaluate.js';
import { parseConfig } from '../../core/policy/schema.js';
import { DAY_MS } from '../../core/time.js';
import { TOOL } from '../../core/version.js';

export const AS_OF = new Date('2026-11-28T12:00:00Z');

/** A compliant baseline key; each test changes the one field it is about. */
export function keyRecord(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    account: '123456789012',
    user: 'alice',
    userArn: 'arn:aws:iam::123456789012:user/alice',
    accessKeyId: null,
    keySlot: 1,
    status: 'Active',
    createdAt: new Date(AS_OF.getTime() - 10 * DAY_MS),
    lastUsedAt: new Date(AS_OF.getTime() - DAY_MS),
    lastUsedService: 's3',
    ...overrides,
  };
}

/** A creation time that makes a key exactly `days` days (plus `extraMs`) old at AS_OF. */
export function createdDaysAgo(days: number, extraMs = 0): Date {
  return new Date(AS_OF.getTime() - days * DAY_MS - extraMs);
}

/** An audit report over `keys` with the default policy, as runAudit builds it. */
export function auditReport(keys: KeyRecord[], extra: Partial<AuditReport> = {}): AuditReport {
  const config = parseConfig({}, { asOf: AS_OF });
  const findings = evaluate(keys, config, AS_OF);
  const users = [...new Set(keys.map((key) => key.user))];
  return {
    schemaVersion: 3,
    tool: TOOL,
    asOf: AS_OF,
    source: 'credential-report',
    account: '123456789012',
    policy: { maxKeyAgeDays: 90, warnDays: 14, unusedKeyDays: 45 },
    summary: summarize(findings, users.length),
    findings,
    users: users.map((user) => ({
      account: '123456789012',
      user,
      userArn: `arn:aws:iam::123456789012:user/${user}`,
      tags: null,
      quarantinePolicies: null,
    })),
    gaps: [],
    notes: [],
    ...extra,
  };
}
