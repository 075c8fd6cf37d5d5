import { createHash } from 'node:crypto';
import type { AuditReport } from '../audit/report.js';
import { UsageError } from '../errors.js';
import { ANNEX11_MAPPING } from '../policy/controls/annex11.js';
import type { RegulatoryClause } from '../policy/controls/model.js';
import { PART11_MAPPING } from '../policy/controls/part11.js';
import type { Summary } from '../policy/evaluate.js';
import { exemptionInForce } from '../policy/exemption.js';
import type { Config, Exemption } from '../policy/schema.js';
import type { Finding } from '../policy/verdicts.js';
import { addDays, endOfUtcDay, parseInstant } from '../time.js';
import { withinPeriod } from '../trail/store.js';
import type { TOOL } from '../version.js';
import type { RotationConsumers } from './consumers.js';

/** The fields of a trail record that the evidence shows (the trail record of docs/design.md). */

/** The files a pack of a signed trail adds beside its pages (core/evidence/signatures.ts writes them). */
export const SIGNATURE_FILES = {
  publicKey: 'trail-public-key.pem',
  records: 'trail-records.jsonl',
  recipe: 'VERIFY-SIGNATURES.md',
} as const;

export interface EvidenceTrailRecord {
  seq: number;
  at: string;
  account: string;
  actor: string;
  action: string;
  user: string | null;
  accessKeyId: string | null;
  outcome: string;
  reason: string | null;
}

/** An earlier pack's trail record that this verification checked (see `keywarden evidence --anchor`). */
export interface CheckedAnchor {
  seq: number;
  hash: string;
  holds: boolean;
}

/** Whose signatures a signed trail's records carry, as checked for the pack. */
export interface CheckedSigning {
  keyArn: string;
  firstSignedSeq: number;
  signedRecords: number;
}

/** The trail's verification result as the evidence reports it. */
export type TrailCheck = (
  | { intact: true; records: number }
  | { intact: false; records: number; firstBadSeq: number; problem: string }
) & { anchors?: readonly CheckedAnchor[]; signing?: CheckedSigning };

export interface Period {
  from: Date;
  to: Date;
}

export interface EvidenceInput {
  report: AuditReport;
  config: Config;
  /** The config file as read (its text is digested), or null when the built-in defaults applied. */
  configFile: { origin: string; text: string } | null;
  /** Where the key data came from, for a person: "credential report file report.csv". */
  sourceLabel: string;
  period: Period;
  trail: { location: string; records: readonly EvidenceTrailRecord[]; check: TrailCheck };
  /**
   * A pack over several accounts whose accounts keep trails of their own (`--account-trail-bucket`): each
   * account's trail, read and verified through its member role. An account's section then shows its records.
   */
  accountTrails?: ReadonlyMap<string, AccountTrail>;
  generatedAt: Date;
  /** Who used each key rotated in the period, before and after (CloudTrail); omitted = not looked up. */
  rotationConsumers?: readonly RotationConsumers[];
}

/** One account's own trail as read and verified for the pack. */
export interface AccountTrail {
  location: string;
  records: readonly EvidenceTrailRecord[];
  check: TrailCheck;
}

/** One account of a pack over several accounts (`keywarden evidence --accounts`): a section of its own. */
export interface AccountEvidence {
  account: string;
  /** The account's name in AWS Organizations, where the audit found it. */
  name: string | null;
  summary: Summary;
  /** This account's keys, worst first. */
  findings: Finding[];
  /** This account's trail records dated within the period, in sequence order. */
  events: EvidenceTrailRecord[];
  /** The account's own trail, when it has one (`--account-trail-bucket`); else its records are the pack trail's. */
  trail?: { location: string; check: TrailCheck; otherAccountEvents: number };
}

export interface ExemptionEntry extends Exemption {
  expired: boolean;
}

/** A headline a reviewer must see first; `critical` ones mean the record cannot be relied on as it is. */
export interface Attention {
  level: 'critical' | 'warning' | 'info';
  text: string;
}

export interface RegulationRow extends RegulatoryClause {
  /** Which part of this pack is the record for the clause. */
  inThisPack: string;
}

/** Everything the evidence renderers show, decided once so that the HTML and Markdown say the same. */
export interface EvidenceModel {
  tool: typeof TOOL;
  account: string;
  generatedAt: Date;
  asOf: Date;
  sourceLabel: string;
  period: Period;
  config: { origin: string | null; sha256: string | null };
  policy: Pick<Config, 'maxKeyAgeDays' | 'warnDays' | 'unusedKeyDays' | 'rotation' | 'scope'>;
  exemptions: ExemptionEntry[];
  summary: Summary;
  findings: Finding[];
  notes: string[];
  attention: Attention[];
  trail: {
    location: string;
    check: TrailCheck;
    /** Records of the audited account(s) dated within the period, in sequence order. */
    events: EvidenceTrailRecord[];
    /** Records in the period that belong to other accounts (counted, not shown). */
    otherAccountEvents: number;
  };
  part11: RegulationRow[];
  /** EU GMP Annex 11 (2011), beside Part 11: the same pack read against the EU clauses. */
  annex11: RegulationRow[];
  /**
   * A pack over several accounts: one entry per account, in the audit's order, each rendered as a section of
   * its own (`account` is then the report's "multiple"). Absent for one account, whose pack is as it always was.
   */
  accounts?: AccountEvidence[];
  /** Who used each key rotated in the period, before and after (CloudTrail), when it was looked up. */
  rotationConsumers?: readonly RotationConsumers[];
}

export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The default period: one maxKeyAgeDays cycle ending at the audit instant, so every key's last rotation shows. */
export function defaultPeriod(asOf: Date, maxKeyAgeDays: number): Period {
  return { from: addDays(asOf, -maxKeyAgeDays), to: asOf };
}

const IN_THIS_PACK: Readonly<Record<string, string>> = {
  '11.10(e)': 'Audit trail: verification result and the rotation events of the period',
  '11.10(k)': 'Policy, exemptions and the SHA-256 of the config file',
  '11.300(b)': 'Key ages and verdicts, and the chart of key ages against the limit',
  '11.300(c)': 'Rotation events of the period (manual rotations name their actor)',
};

const IN_THIS_PACK_ANNEX11: Readonly<Record<string, string>> = {
  '7.1': 'Audit trail: verification result (chain, storage, signatures where signed)',
  '9': 'Rotation events of the period, each with its reason',
  '10': 'Policy, exemptions and the SHA-256 of the config file',
  '12.1': 'Key ages and verdicts, and the chart of key ages against the limit',
  '12.3': 'Rotation events of the period: key creations, deactivations and deletions',
  '12.4': 'Rotation events of the period: the actor and time of each',
};

/** Pure: the same input always gives the same model. */
export function buildEvidence(input: EvidenceInput): EvidenceModel {
  const { report, config, period, trail } = input;
  const inPeriod = trail.records.filter((record) => withinPeriod(record, period));
  const audited = new Set(report.accounts?.map((entry) => entry.account) ?? [report.account]);
  const events = inPeriod.filter((record) => audited.has(record.account)).sort((a, b) => a.seq - b.seq);
  const accounts = report.accounts ? accountSections(report, events, input.accountTrails, period) : undefined;
  const exemptions = config.exemptions.map((exemption) => ({
    ...exemption,
    expired: !exemptionInForce(exemption, report.asOf),
  }));
  return {
    tool: report.tool,
    account: report.account,
    generatedAt: input.generatedAt,
    asOf: report.asOf,
    sourceLabel: input.sourceLabel,
    period,
    config: {
      origin: input.configFile?.origin ?? null,
      sha256: input.configFile ? sha256Hex(input.configFile.text) : null,
    },
    policy: {
      maxKeyAgeDays: config.maxKeyAgeDays,
      warnDays: config.warnDays,
      unusedKeyDays: config.unusedKeyDays,
      rotation: config.rotation,
      scope: config.scope,
    },
    exemptions,
    summary: report.summary,
    findings: report.findings,
    notes: report.notes,
    attention: attentionItems(report, exemptions, trail.check, events.length, accounts, period),
    trail: {
      location: trail.location,
      check: trail.check,
      events,
      otherAccountEvents: inPeriod.length - events.length,
    },
    part11: PART11_MAPPING.map((row) => ({ ...row, inThisPack: IN_THIS_PACK[row.clause] ?? '—' })),
    annex11: ANNEX11_MAPPING.map((row) => ({ ...row, inThisPack: IN_THIS_PACK_ANNEX11[row.clause] ?? '—' })),
    ...(accounts ? { accounts } : {}),
    ...(input.rotationConsumers ? { rotationConsumers: input.rotationConsumers } : {}),
  };
}

/**
 * Each audited account's keys and trail records, grouped once (findings keep their worst-first order). An
 * account with a trail of its own shows that trail's records of the account; else the pack trail's.
 */
function accountSections(
  report: AuditReport,
  events: readonly EvidenceTrailRecord[],
  accountTrails: ReadonlyMap<string, AccountTrail> | undefined,
  period: Period,
): AccountEvidence[] {
  const findings = new Map<string, Finding[]>();
  for (const finding of report.findings) {
    const own = findings.get(finding.account);
    if (own) own.push(finding);
    else findings.set(finding.account, [finding]);
  }
  return (report.accounts ?? []).map(({ account, name, summary }) => {
    const own = accountTrails?.get(account);
    const entry = { account, name, summary, findings: findings.get(account) ?? [] };
    if (!own) return { ...entry, events: events.filter((record) => record.account === account) };
    const inPeriod = own.records.filter((record) => withinPeriod(record, period));
    const ownEvents = inPeriod.filter((record) => record.account === account).sort((a, b) => a.seq - b.seq);
    return {
      ...entry,
      events: ownEvents,
      trail: {
        location: own.location,
        check: own.check,
        otherAccountEvents: inPeriod.length - ownEvents.length,
      },
    };
  });
}

function attentionItems(
  report: AuditReport,
  exemptions: readonly ExemptionEntry[],
  check: TrailCheck,
  /** The one account's records in the period (for a pack over several accounts, each account has its own). */
  eventCount: number,
  /** A pack over several accounts: each account's section. */
  accounts: readonly AccountEvidence[] | undefined,
  period: Period,
): Attention[] {
  const items: Attention[] = [];
  if (!check.intact) {
    items.push({
      level: 'critical',
      text: `The audit trail is BROKEN: verification failed at record seq ${check.firstBadSeq} (${check.problem}). Records from seq ${check.firstBadSeq} on cannot be relied on; investigate before filing this evidence.`,
    });
  }
  for (const own of brokenAccountTrails(accounts)) {
    items.push({
      level: 'critical',
      text: `The audit trail of account ${own.account} (${own.location}) is BROKEN: verification failed at record seq ${own.firstBadSeq} (${own.problem}). Its records from seq ${own.firstBadSeq} on cannot be relied on; investigate before filing this evidence.`,
    });
  }
  const { overdue, warnings } = report.summary;
  const rootKeys = report.summary['root-key'];
  if (rootKeys > 0) {
    items.push({
      level: 'critical',
      text: `The root account has ${rootKeys === 1 ? 'an access key' : `${rootKeys} access keys`}${inAccounts(report, 'root-key')}; no root access key may exist (CIS v7.0.0 2.4, Security Hub IAM.4): delete ${rootKeys === 1 ? 'it' : 'them'}.`,
    });
  }
  if (overdue > 0) {
    items.push({
      level: 'critical',
      text: `${overdue} active access key${overdue === 1 ? ' is' : 's are'} overdue for rotation (older than ${report.policy.maxKeyAgeDays} days)${inAccounts(report, 'overdue')}.`,
    });
  }
  if (warnings > 0) {
    items.push({
      level: 'warning',
      text: `${warnings} access key${warnings === 1 ? ' needs' : 's need'} attention (expiring, superseded, unused or stale).`,
    });
  }
  const expired = exemptions.filter((exemption) => exemption.expired).length;
  if (expired > 0) {
    items.push({
      level: 'warning',
      text:
        expired === 1
          ? '1 exemption has expired and no longer applies.'
          : `${expired} exemptions have expired and no longer apply.`,
    });
  }
  const between = `between ${period.from.toISOString()} and ${period.to.toISOString()}`;
  if (accounts) {
    const silent = accounts.filter((entry) => entry.events.length === 0);
    if (silent.length > 0) {
      items.push({
        level: 'warning',
        text: `No rotation records in the period for ${silent.length} of ${accounts.length} accounts: the trail has none ${between} for ${listed(silent.map((entry) => entry.account))}.`,
      });
    }
  } else if (eventCount === 0) {
    items.push({
      level: 'warning',
      text: `No rotation records for account ${report.account} in the period: the trail has none ${between}.`,
    });
  }
  if (items.length === 0) {
    items.push({
      level: 'info',
      text: 'No overdue keys, no keys needing attention, and the audit trail verified intact.',
    });
  }
  return items;
}

/** The accounts' own trails that do not verify, in the accounts' order (each one a banner, a headline, exit 1). */
export function brokenAccountTrails(
  accounts: readonly AccountEvidence[] | undefined,
): { account: string; location: string; firstBadSeq: number; problem: string }[] {
  return (accounts ?? []).flatMap(({ account, trail }) =>
    trail && !trail.check.intact
      ? [
          {
            account,
            location: trail.location,
            firstBadSeq: trail.check.firstBadSeq,
            problem: trail.check.problem,
          },
        ]
      : [],
  );
}

/** Which accounts of a pack over several hold keys of this verdict (", in 2 accounts: …"); "" for one account. */
function inAccounts(report: AuditReport, verdict: 'root-key' | 'overdue'): string {
  if (!report.accounts) return '';
  const ids = report.accounts.filter((entry) => entry.summary[verdict] > 0).map((entry) => entry.account);
  return `, in ${ids.length} account${ids.length === 1 ? '' : 's'}: ${listed(ids)}`;
}

/** Account IDs for a sentence: all of them up to a dozen, else the first ten and how many more. */
function listed(ids: readonly string[]): string {
  return ids.length <= 12 ? ids.join(', ') : `${ids.slice(0, 10).join(', ')} and ${ids.length - 10} more`;
}

/** The one sentence both renderers print for the trail's verification. */
export function trailCheckText(check: TrailCheck): string {
  return `${verdictText(check)}${signingText(check)}${anchorsText(check.anchors ?? [])}`;
}

function signingText(check: TrailCheck): string {
  if (!check.signing || !check.intact) return '';
  const { keyArn, firstSignedSeq, signedRecords } = check.signing;
  return ` Signed from seq ${firstSignedSeq}: ${signedRecords} record${signedRecords === 1 ? '' : 's'}, each with a verified signature of KMS key ${keyArn} (public key and recipe in ${SIGNATURE_FILES.recipe}).`;
}

function verdictText(check: TrailCheck): string {
  return check.intact
    ? `INTACT: all ${check.records} record${check.records === 1 ? '' : 's'} verified; every hash seals the record before it.`
    : `BROKEN at seq ${check.firstBadSeq}: ${check.problem}. ${check.records} record${check.records === 1 ? '' : 's'} read; from seq ${check.firstBadSeq} on the trail cannot be relied on.`;
}

function anchorsText(anchors: readonly CheckedAnchor[]): string {
  if (anchors.length === 0) return '';
  const each = anchors.map(
    (anchor) =>
      `seq ${anchor.seq} (hash ${anchor.hash.slice(0, 12)}…) ${anchor.holds ? 'holds' : 'DOES NOT HOLD'}`,
  );
  return ` Anchors from earlier evidence packs: ${each.join('; ')}.`;
}

export function isoDay(date: Date | null): string {
  return date ? date.toISOString().slice(0, 10) : 'never';
}

/**
 * The period from `--from` / `--to`: a date means the whole UTC day (from its start, to its end);
 * a missing end defaults as in defaultPeriod. Throws when the period runs backwards.
 */
export function resolvePeriod(
  options: { from?: string | undefined; to?: string | undefined },
  asOf: Date,
  maxKeyAgeDays: number,
): Period {
  const to = options.to
    ? ISO_DATE_ONLY.test(options.to.trim())
      ? endOfUtcDay(parseInstant(options.to, '--to').toISOString().slice(0, 10))
      : parseInstant(options.to, '--to')
    : asOf;
  const from = options.from ? parseInstant(options.from, '--from') : defaultPeriod(to, maxKeyAgeDays).from;
  if (from.getTime() > to.getTime()) {
    throw new UsageError(`--from ${from.toISOString()} is after --to ${to.toISOString()}`);
  }
  return { from, to };
}

const ISO_DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
