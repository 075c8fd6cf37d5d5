import type { QuarantinePolicyName } from '../aws/quarantine.js';
import { isRootKey, type KeyRecord, type UserRecord } from '../inventory/records.js';
import { DAY_MS, wholeDaysBetween } from '../time.js';
import { controlsFor, type FrameworkSelection } from './controls/index.js';
import { activeExemption } from './exemption.js';
import type { Config } from './schema.js';
import { type Finding, type Severity, VERDICTS, type Verdict } from './verdicts.js';

export const SEVERITY_OF: Readonly<Record<Verdict, Severity>> = {
  'root-key': 'violation',
  compromised: 'violation',
  exempt: 'ok',
  overdue: 'violation',
  expiring: 'warning',
  superseded: 'warning',
  unused: 'warning',
  stale: 'warning',
  compliant: 'ok',
};

/** The order in which summaries count verdicts: violations, then warnings, then the rest. */
export const SUMMARY_ORDER: readonly Verdict[] = [
  ...VERDICTS.filter((verdict) => verdict !== 'exempt' && verdict !== 'compliant'),
  'exempt',
  'compliant',
];

/** "1 root-key, 4 overdue, …, 9 compliant": the count of every verdict, in SUMMARY_ORDER. */
export function verdictCounts(summary: Summary, separator = ', '): string {
  return SUMMARY_ORDER.map((verdict) => `${summary[verdict]} ${verdict}`).join(separator);
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { violation: 2, warning: 1, ok: 0 };

export type EvaluationPolicy = Pick<Config, 'maxKeyAgeDays' | 'warnDays' | 'unusedKeyDays' | 'exemptions'> & {
  rotation: Pick<Config['rotation'], 'deactivateAfterDays'>;
  /** The framework versions findings carry; a parsed config always has them (default: SETTING_DEFAULTS). */
  frameworks?: FrameworkSelection;
};

/** The instant after which a key is past the age limit (creation + maxKeyAgeDays × 24 h): overdue if active, stale if not. */
export function overdueSince(createdAt: Date, maxKeyAgeDays: number): Date {
  return new Date(createdAt.getTime() + maxKeyAgeDays * DAY_MS);
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * The verdict table of docs/design.md ("Verdicts"), the one rule every surface uses. `userKeys` are all the keys of the
 * key's user (the key itself among them): a newer active key makes an old active one `superseded`.
 * `quarantine` are AWS's quarantine policies attached to the key's user (empty or null: none, or not read).
 * Pure: the same keys, config and asOf always give the same findings.
 */
export function evaluateKey(
  key: KeyRecord,
  config: EvaluationPolicy,
  asOf: Date,
  userKeys: readonly KeyRecord[] = [key],
  quarantine: readonly QuarantinePolicyName[] | null = null,
): Finding {
  const ageMs = asOf.getTime() - key.createdAt.getTime();
  const ageDays = wholeDaysBetween(key.createdAt, asOf);
  const { maxKeyAgeDays, warnDays, unusedKeyDays } = config;
  const { deactivateAfterDays } = config.rotation;
  const active = key.status === 'Active';
  const root = isRootKey(key);
  // The config refuses an exemption for the root account; this guard keeps a hand-built config honest too.
  const exemption = root ? undefined : activeExemption(config.exemptions, key.user, key.account, asOf);
  const replacement = active ? newestReplacement(key, userKeys) : undefined;
  const idleMs = key.lastUsedAt === null ? ageMs : asOf.getTime() - key.lastUsedAt.getTime();
  const pastLimit = asOf.getTime() > overdueSince(key.createdAt, maxKeyAgeDays).getTime();

  let verdict: Verdict;
  let reason: string;
  if (root) {
    verdict = 'root-key';
    reason = `The root account has an ${active ? 'active' : 'inactive'} access key (${plural(ageDays, 'day')} old); no root access key may exist: delete it.`;
  } else if (quarantine && quarantine.length > 0) {
    verdict = 'compromised';
    reason = `AWS attached ${quarantine.join(', ')} to this user: AWS found an access key of this user exposed (the AWS Support case names it). ${active ? 'Active' : 'Inactive'} key, ${plural(ageDays, 'day')} old; replace the keys made before the quarantine at once, review the use CloudTrail shows, then follow the case${exemption ? ` (the exemption until ${exemption.expiresOn} does not cover an exposed key)` : ''}.`;
  } else if (exemption) {
    verdict = 'exempt';
    reason = `Exempt until ${exemption.expiresOn} (approved by ${exemption.approvedBy}): ${exemption.reason}`;
  } else if (active && pastLimit) {
    verdict = 'overdue';
    reason = `Active access key not rotated in over ${maxKeyAgeDays} days (${ageDays} days old).`;
  } else if (active && ageMs > (maxKeyAgeDays - warnDays) * DAY_MS) {
    verdict = 'expiring';
    const left = Math.max(0, Math.ceil((maxKeyAgeDays * DAY_MS - ageMs) / DAY_MS));
    reason = `Active access key is ${ageDays} days old and must be rotated within ${plural(left, 'day')} (limit ${maxKeyAgeDays} days).`;
  } else if (replacement && asOf.getTime() - replacement.createdAt.getTime() > deactivateAfterDays * DAY_MS) {
    verdict = 'superseded';
    const since = wholeDaysBetween(replacement.createdAt, asOf);
    reason = `Active access key was replaced ${plural(since, 'day')} ago by a newer active key (limit ${deactivateAfterDays} days); finish the rotation: deactivate and delete this key.`;
  } else if (active && idleMs > unusedKeyDays * DAY_MS) {
    verdict = 'unused';
    reason =
      key.lastUsedAt === null
        ? `Active access key has never been used in ${ageDays} days (limit ${unusedKeyDays} days); deactivate or delete it.`
        : `Active access key last used ${plural(wholeDaysBetween(key.lastUsedAt, asOf), 'day')} ago (limit ${unusedKeyDays} days); deactivate or delete it.`;
  } else if (!active && pastLimit) {
    verdict = 'stale';
    reason = `Inactive access key is ${ageDays} days old (over ${maxKeyAgeDays} days); delete it.`;
  } else {
    verdict = 'compliant';
    reason = active
      ? `Active access key is ${ageDays} days old (limit ${maxKeyAgeDays} days).`
      : `Inactive access key is ${ageDays} days old.`;
  }
  return {
    ...key,
    ageDays,
    verdict,
    severity: SEVERITY_OF[verdict],
    reason,
    controls: controlsFor(verdict, config.frameworks),
  };
}

/** The newest active key of the same user created after this one, if any (same instant is not newer). */
function newestReplacement(key: KeyRecord, userKeys: readonly KeyRecord[]): KeyRecord | undefined {
  let newest: KeyRecord | undefined;
  for (const other of userKeys) {
    if (other === key || other.status !== 'Active' || !sameUser(other, key)) continue;
    if (other.createdAt.getTime() <= key.createdAt.getTime()) continue;
    if (!newest || other.createdAt.getTime() > newest.createdAt.getTime()) newest = other;
  }
  return newest;
}

function sameUser(a: KeyRecord, b: KeyRecord): boolean {
  return a.account === b.account && a.user === b.user;
}

/**
 * The keys an audit as of `asOf` judges, and those it cannot: a key created after `asOf` did not exist at that
 * instant, so it has no age and no verdict (never a negative age, never "compliant"); the report says so.
 */
export function existingAt(
  keys: readonly KeyRecord[],
  asOf: Date,
): { existing: KeyRecord[]; createdLater: KeyRecord[] } {
  const existing: KeyRecord[] = [];
  const createdLater: KeyRecord[] = [];
  for (const key of keys) (key.createdAt.getTime() > asOf.getTime() ? createdLater : existing).push(key);
  return { existing, createdLater };
}

/** The report's note on keys created after the audit instant, or null when there are none. */
export function createdLaterNote(createdLater: readonly KeyRecord[], asOf: Date): string | null {
  if (createdLater.length === 0) return null;
  const shown = createdLater
    .slice(0, 5)
    .map(
      (key) =>
        `${key.user} ${key.accessKeyId ?? `slot ${key.keySlot}`} (created ${key.createdAt.toISOString()})`,
    );
  const more = createdLater.length > shown.length ? ` and ${createdLater.length - shown.length} more` : '';
  return `${plural(createdLater.length, 'key')} created after the audit instant ${asOf.toISOString()} ${createdLater.length === 1 ? 'is' : 'are'} outside this audit (not judged, not counted): ${shown.join(', ')}${more}`;
}

/**
 * Findings for every key, worst first (severity, then age, then user and slot for a stable order). `users`
 * carry what is known of each user beyond its keys (AWS's quarantine policies); omitted, nothing is.
 */
export function evaluate(
  keys: readonly KeyRecord[],
  config: EvaluationPolicy,
  asOf: Date,
  users: readonly Pick<UserRecord, 'account' | 'user' | 'quarantinePolicies'>[] = [],
): Finding[] {
  const userId = (record: { account: string; user: string }) => `${record.account}\n${record.user}`;
  const byUser = new Map<string, KeyRecord[]>();
  for (const key of keys) byUser.set(userId(key), [...(byUser.get(userId(key)) ?? []), key]);
  const quarantine = new Map(users.map((user) => [userId(user), user.quarantinePolicies]));
  return keys
    .map((key) =>
      evaluateKey(key, config, asOf, byUser.get(userId(key)), quarantine.get(userId(key)) ?? null),
    )
    .sort(worstFirst);
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

/** Counts per verdict (the keys are the verdict names), plus users, keys, violations and warnings. */
export interface Summary extends Record<Verdict, number> {
  users: number;
  keys: number;
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
    'root-key': 0,
    compromised: 0,
    superseded: 0,
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
    case 'compromised':
      return [
        `keywarden rotate --user ${finding.user}   # new key stored for the owner, the exposed key deactivated in the same run`,
        `# then review CloudTrail for use of ${key} you did not make and follow the AWS Support case; when the case allows it:`,
        `aws iam detach-user-policy --user-name ${finding.user} --policy-arn arn:aws:iam::aws:policy/<the quarantine policy named above>`,
      ];
    case 'root-key':
      return [
        '# sign in as the root user (the IAM API cannot name the root user): console > Security credentials > Access keys > Delete,',
        `# or with the root user's own credentials: aws iam delete-access-key --access-key-id ${key}`,
      ];
    case 'superseded':
      return [
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
