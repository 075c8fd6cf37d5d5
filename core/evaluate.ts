import { activeExemption, type Config } from './config-schema.js';
import { DAY_MS, wholeDaysBetween } from './time.js';
import type { Finding, KeyRecord, Severity, Verdict } from './types.js';

export const SEVERITY_OF: Readonly<Record<Verdict, Severity>> = {
  exempt: 'ok',
  overdue: 'violation',
  expiring: 'warning',
  unused: 'warning',
  stale: 'warning',
  compliant: 'ok',
};

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { violation: 2, warning: 1, ok: 0 };

export function severityAtLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold];
}

/**
 * The verdict table of DESIGN.md, the one rule every surface uses.
 * Pure: the same keys, config and asOf always give the same findings.
 */
export function evaluateKey(
  key: KeyRecord,
  config: Pick<Config, 'maxKeyAgeDays' | 'warnDays' | 'unusedKeyDays' | 'exemptions'>,
  asOf: Date,
): Finding {
  const ageMs = asOf.getTime() - key.createdAt.getTime();
  const ageDays = wholeDaysBetween(key.createdAt, asOf);
  const { maxKeyAgeDays, warnDays, unusedKeyDays } = config;
  const active = key.status === 'Active';
  const exemption = activeExemption(config.exemptions, key.user, key.account, asOf);

  let verdict: Verdict;
  let reason: string;
  if (exemption) {
    verdict = 'exempt';
    reason = `Exempt until ${exemption.expiresOn} (approved by ${exemption.approvedBy}): ${exemption.reason}`;
  } else if (active && ageMs > maxKeyAgeDays * DAY_MS) {
    verdict = 'overdue';
    reason = `Active access key not rotated in over ${maxKeyAgeDays} days (${ageDays} days old).`;
  } else if (active && ageMs > (maxKeyAgeDays - warnDays) * DAY_MS) {
    verdict = 'expiring';
    const left = Math.max(0, Math.ceil((maxKeyAgeDays * DAY_MS - ageMs) / DAY_MS));
    reason = `Active access key is ${ageDays} days old and must be rotated within ${left} day${left === 1 ? '' : 's'} (limit ${maxKeyAgeDays} days).`;
  } else if (active && key.lastUsedAt === null && ageMs > unusedKeyDays * DAY_MS) {
    verdict = 'unused';
    reason = `Active access key has never been used in ${ageDays} days (limit ${unusedKeyDays} days); deactivate or delete it.`;
  } else if (!active && ageMs > maxKeyAgeDays * DAY_MS) {
    verdict = 'stale';
    reason = `Inactive access key is ${ageDays} days old (over ${maxKeyAgeDays} days); delete it.`;
  } else {
    verdict = 'compliant';
    reason = active
      ? `Active access key is ${ageDays} days old (limit ${maxKeyAgeDays} days).`
      : `Inactive access key is ${ageDays} days old.`;
  }
  return { ...key, ageDays, verdict, severity: SEVERITY_OF[verdict], reason };
}

/** Findings for every key, worst first (severity, then age, then user and slot for a stable order). */
export function evaluate(
  keys: readonly KeyRecord[],
  config: Parameters<typeof evaluateKey>[1],
  asOf: Date,
): Finding[] {
  return keys.map((key) => evaluateKey(key, config, asOf)).sort(worstFirst);
}

export function worstFirst(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    b.ageDays - a.ageDays ||
    a.account.localeCompare(b.account) ||
    a.user.localeCompare(b.user) ||
    a.keySlot - b.keySlot
  );
}

export interface Summary {
  users: number;
  keys: number;
  compliant: number;
  expiring: number;
  unused: number;
  overdue: number;
  stale: number;
  exempt: number;
  violations: number;
  warnings: number;
}

export function summarize(findings: readonly Finding[], userCount: number): Summary {
  const summary: Summary = {
    users: userCount,
    keys: findings.length,
    compliant: 0,
    expiring: 0,
    unused: 0,
    overdue: 0,
    stale: 0,
    exempt: 0,
    violations: 0,
    warnings: 0,
  };
  for (const finding of findings) {
    summary[finding.verdict] += 1;
    if (finding.severity === 'violation') summary.violations += 1;
    if (finding.severity === 'warning') summary.warnings += 1;
  }
  return summary;
}

/** What a person should run to fix a finding: the same text in the CLI, issues and evidence. */
export function remediation(finding: Pick<Finding, 'verdict' | 'user' | 'accessKeyId'>): string[] {
  const key = finding.accessKeyId ?? '<ACCESS_KEY_ID>';
  switch (finding.verdict) {
    case 'overdue':
    case 'expiring':
      return [
        `keywarden rotate --user ${finding.user}`,
        `# or by hand: aws iam create-access-key --user-name ${finding.user}  (store the secret in Secrets Manager), then`,
        `aws iam update-access-key --user-name ${finding.user} --access-key-id ${key} --status Inactive`,
        `aws iam delete-access-key --user-name ${finding.user} --access-key-id ${key}`,
      ];
    case 'unused':
      return [
        `aws iam update-access-key --user-name ${finding.user} --access-key-id ${key} --status Inactive`,
      ];
    case 'stale':
      return [`aws iam delete-access-key --user-name ${finding.user} --access-key-id ${key}`];
    default:
      return [];
  }
}

export const FAIL_ON = ['violation', 'warning', 'never'] as const;
export type FailOn = (typeof FAIL_ON)[number];

/** The check/exit decision shared by the CLI and the Action: any finding at or above `failOn`. */
export function failsAt(summary: Pick<Summary, 'violations' | 'warnings'>, failOn: FailOn): boolean {
  if (failOn === 'never') return false;
  return summary.violations > 0 || (failOn === 'warning' && summary.warnings > 0);
}
