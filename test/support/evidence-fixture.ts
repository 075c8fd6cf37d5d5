import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAudit } from '../../core/audit/run.js';
import type { EvidenceInput, EvidenceTrailRecord, TrailCheck } from '../../core/evidence/model.js';
import { summarize } from '../../core/policy/evaluate.js';
import { loadConfig } from '../../core/policy/load.js';
import { JsonlTrailStore, type TrailAction, type TrailSigner } from '../../core/trail/index.js';
import { type CapturedRun, runCli } from './capture-io.js';

/** examples/evidence (the example of docs/evidence.md too): a credential report and a config with one exemption in force and one expired. */
export const EVIDENCE_FIXTURES = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'examples',
  'evidence',
);
export const FIXTURE_REPORT = join(EVIDENCE_FIXTURES, 'credential-report.csv');
export const FIXTURE_CONFIG = join(EVIDENCE_FIXTURES, 'keywarden.yml');
export const FIXTURE_AS_OF = new Date('2026-11-28T09:00:00Z');
export const FIXTURE_GENERATED_AT = new Date('2026-11-28T09:30:00Z');
export const FIXTURE_ACCOUNT = '123456789012';

/** What a rotation of build-bot leaves in the trail, plus one record before the period and one of another account. */
export function fixtureTrailRecords(): EvidenceTrailRecord[] {
  const record = (
    seq: number,
    at: string,
    action: string,
    accessKeyId: string | null,
    reason: string,
    account = FIXTURE_ACCOUNT,
  ): EvidenceTrailRecord => ({
    seq,
    at,
    account,
    actor: 'arn:aws:sts::123456789012:assumed-role/keywarden-rotation/lambda',
    action,
    user: 'build-bot',
    accessKeyId,
    outcome: 'success',
    reason,
  });
  return [
    record(1, '2026-05-02T08:00:00.000Z', 'key.delete', 'AKIAOLDOLDOLDOLD0001', 'replaced on schedule'),
    record(2, '2026-11-20T08:00:00.000Z', 'key.create', 'AKIANEWNEWNEWNEW0002', 'key 100 days old'),
    record(
      3,
      '2026-11-20T08:00:01.000Z',
      'secret.store',
      'AKIANEWNEWNEWNEW0002',
      'keywarden/123456789012/build-bot',
    ),
    record(
      4,
      '2026-11-21T08:00:00.000Z',
      'key.create',
      'AKIAOTHEROTHEROTH003',
      'other account',
      '210987654321',
    ),
    record(
      5,
      '2026-11-27T08:00:00.000Z',
      'notice',
      'AKIABUILDBOTOLD00004',
      'old key still in use after 7 days; deactivation waits for the owner to switch (notice sent)',
    ),
  ];
}

export async function fixtureEvidenceInput(
  overrides: { check?: TrailCheck; records?: EvidenceTrailRecord[] } = {},
): Promise<EvidenceInput> {
  const { config } = await loadConfig({ file: FIXTURE_CONFIG, asOf: FIXTURE_AS_OF });
  const report = await runAudit({
    config,
    asOf: FIXTURE_AS_OF,
    source: 'credential-report',
    credentialReportFile: FIXTURE_REPORT,
  });
  // A fixed tool version keeps the snapshots stable across releases.
  report.tool = { name: 'keywarden', version: '0.0.0-fixture' };
  const records = overrides.records ?? fixtureTrailRecords();
  return {
    report,
    config,
    configFile: { origin: 'keywarden.yml', text: readFileSync(FIXTURE_CONFIG, 'utf8') },
    sourceLabel: 'credential report file credential-report.csv',
    period: { from: new Date('2026-09-01T00:00:00Z'), to: new Date('2026-11-28T09:00:00Z') },
    trail: {
      location: 'keywarden-trail.jsonl',
      records,
      check: overrides.check ?? { intact: true, records: records.length },
    },
    generatedAt: FIXTURE_GENERATED_AT,
  };
}

/** Writes the fixture's trail records as a real hash-chained JSONL trail (sealed, and signed with a signer, by the trail store). */
export async function writeFixtureTrail(
  file: string,
  records = fixtureTrailRecords(),
  signer?: TrailSigner,
): Promise<void> {
  const store = new JsonlTrailStore(file, { signer });
  for (const record of records) {
    await store.append({
      at: new Date(record.at),
      account: record.account,
      actor: record.actor,
      action: record.action as TrailAction,
      user: record.user ?? '*',
      accessKeyId: record.accessKeyId,
      outcome: 'success',
      reason: record.reason ?? '',
    });
  }
}

/** The second account of the pack over several accounts (the fixture trail holds one record of it). */
export const FIXTURE_SECOND_ACCOUNT = '210987654321';

/**
 * The fixture as a pack over two accounts: reader and ci-deployer's keys moved to a second account, the report
 * merged as `keywarden audit --accounts` merges it (account "multiple", one `accounts[]` entry each).
 */
export async function fixtureAccountsEvidenceInput(): Promise<EvidenceInput> {
  const input = await fixtureEvidenceInput();
  const { report } = input;
  const moved = new Set(['reader', 'ci-deployer']);
  report.findings = report.findings.map((finding) =>
    moved.has(finding.user) ? { ...finding, account: FIXTURE_SECOND_ACCOUNT } : finding,
  );
  const entry = (account: string, name: string | null) => {
    const findings = report.findings.filter((finding) => finding.account === account);
    const users = new Set(findings.map((finding) => finding.user)).size;
    return { account, name, complete: true, gaps: [], summary: summarize(findings, users) };
  };
  report.accounts = [entry(FIXTURE_ACCOUNT, 'research'), entry(FIXTURE_SECOND_ACCOUNT, null)];
  // The merged total counts the users of each account, as the merge does (no-keys has no finding to move).
  report.summary = summarize(report.findings, 7);
  report.account = 'multiple';
  return input;
}

/**
 * `keywarden evidence` of the fixture's credential report and config as of the fixture instant, generated at
 * the fixture's time, with the trail options given (`--trail-file F` or `--trail-bucket B`) and `extra`.
 */
export function runFixtureEvidence(
  trail: readonly string[],
  extra: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<CapturedRun> {
  return runCli(
    [
      'evidence',
      '--credential-report',
      FIXTURE_REPORT,
      '--config',
      FIXTURE_CONFIG,
      '--as-of',
      FIXTURE_AS_OF.toISOString(),
      ...trail,
      ...extra,
    ],
    { ...options, now: FIXTURE_GENERATED_AT },
  );
}
