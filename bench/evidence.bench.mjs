// Benchmark of the evidence pack for one large account: 10,000 users (one key each) and 20,000 trail records.
// Baseline, measured in the same run: the audit's own Markdown report of the same findings (core/report).
// Then the same keys and records spread over 200 accounts (`--accounts`: a section each), against the one account.
// Prints the time of each step and its ratio to the baseline; `npm run bench evidence` runs it alone.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import './load-ts.mjs';

const USERS = 10_000;
const TRAIL_RECORDS = 20_000;
const ROUNDS = 5;
const ACCOUNTS = 200;
const PACK_TARGET = 10;

async function loadCore() {
  const load = (path) => import(pathToFileURL(join(import.meta.dirname, '..', path)).href);
  return {
    ...(await load('core/evidence/model.ts')),
    ...(await load('core/evidence/html.ts')),
    ...(await load('core/evidence/markdown.ts')),
    ...(await load('core/evidence/pack.ts')),
    ...(await load('core/report/markdown.ts')),
    ...(await load('core/policy/evaluate.ts')),
    ...(await load('core/policy/schema.ts')),
  };
}

function syntheticInput(core) {
  const asOf = new Date('2026-11-28T09:00:00Z');
  const config = core.parseConfig({}, { asOf });
  const keys = Array.from({ length: USERS }, (_, i) => ({
    account: '123456789012',
    user: `user-${String(i).padStart(5, '0')}`,
    userArn: `arn:aws:iam::123456789012:user/user-${i}`,
    accessKeyId: `AKIA${String(i).padStart(16, '0')}`,
    keySlot: 1,
    status: i % 17 === 0 ? 'Inactive' : 'Active',
    createdAt: new Date(asOf.getTime() - (i % 200) * 86_400_000 - 3_600_000),
    lastUsedAt: i % 5 === 0 ? null : new Date(asOf.getTime() - 86_400_000),
    lastUsedService: null,
  }));
  const findings = core.evaluate(keys, config, asOf);
  const report = {
    schemaVersion: 1,
    tool: { name: 'keywarden', version: 'bench' },
    asOf,
    source: 'credential-report',
    account: '123456789012',
    policy: { maxKeyAgeDays: 90, warnDays: 14, unusedKeyDays: 45 },
    summary: core.summarize(findings, USERS),
    findings,
    users: [],
    gaps: [],
    notes: [],
  };
  const records = Array.from({ length: TRAIL_RECORDS }, (_, i) => ({
    seq: i + 1,
    at: new Date(asOf.getTime() - (TRAIL_RECORDS - i) * 600_000).toISOString(),
    account: '123456789012',
    actor: 'lambda:keywarden-rotation',
    action: ['key.create', 'secret.store', 'key.deactivate', 'key.delete'][i % 4],
    user: `user-${i % USERS}`,
    accessKeyId: `AKIA${String(i).padStart(16, '0')}`,
    outcome: 'success',
    reason: 'scheduled rotation',
  }));
  return {
    report,
    config,
    configFile: { origin: 'keywarden.yml', text: 'maxKeyAgeDays: 90\n' },
    sourceLabel: 'synthetic',
    period: { from: new Date(asOf.getTime() - 90 * 86_400_000), to: asOf },
    trail: { location: 'bench', records, check: { intact: true, records: records.length } },
    generatedAt: asOf,
  };
}

/** The same keys and records over ACCOUNTS accounts, merged as `runAccountsAudit` merges them. */
function spreadOverAccounts(core, input) {
  const accountOf = (i) => String(100000000000 + (i % ACCOUNTS));
  const findings = input.report.findings.map((finding, i) => ({ ...finding, account: accountOf(i) }));
  const accounts = Array.from({ length: ACCOUNTS }, (_, a) => {
    const own = findings.filter((finding) => finding.account === accountOf(a));
    return {
      account: accountOf(a),
      name: `account-${a}`,
      complete: true,
      gaps: [],
      summary: core.summarize(own, own.length),
    };
  });
  const records = input.trail.records.map((record, i) => ({ ...record, account: accountOf(i) }));
  return {
    ...input,
    report: { ...input.report, account: 'multiple', findings, accounts },
    trail: { ...input.trail, records },
  };
}

function wholePack(core, input) {
  const model = core.buildEvidence(input);
  const html = core.renderEvidenceHtml(model);
  const markdown = core.renderEvidenceMarkdown(model);
  core.digestPack([
    { name: 'evidence.html', content: html },
    { name: 'evidence.md', content: markdown },
  ]);
  return { html, markdown };
}

function best(work) {
  let fastest = Number.POSITIVE_INFINITY;
  let result;
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    result = work();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return { ms: fastest, result };
}

export async function benchEvidence() {
  const core = await loadCore();
  const input = syntheticInput(core);
  const baseline = best(() => core.renderMarkdown(input.report));
  const model = best(() => core.buildEvidence(input));
  const html = best(() => core.renderEvidenceHtml(model.result));
  const markdown = best(() => core.renderEvidenceMarkdown(model.result));
  const digest = best(() =>
    core.digestPack([
      { name: 'evidence.html', content: html.result },
      { name: 'evidence.md', content: markdown.result },
    ]),
  );
  const rows = [
    ['baseline: audit Markdown report', baseline],
    ['evidence model (filter, exemptions)', model],
    ['evidence.html', html],
    ['evidence.md', markdown],
    ['SHA-256 of the pack', digest],
  ];
  console.log(`evidence pack, ${USERS} users, ${TRAIL_RECORDS} trail records (best of ${ROUNDS})`);
  for (const [name, { ms }] of rows) {
    console.log(
      `  ${name.padEnd(38)} ${ms.toFixed(1).padStart(8)} ms  ${(ms / baseline.ms).toFixed(2)}× baseline`,
    );
  }
  const total = model.ms + html.ms + markdown.ms + digest.ms;
  // Two renderings of the same findings, the trail and a model: a small multiple of one rendering. A row's work
  // that grows with the whole table (once quadratic in the findings: 1,146×) shows here first.
  const ratio = total / baseline.ms;
  console.log(
    `  ${'whole pack'.padEnd(38)} ${total.toFixed(1).padStart(8)} ms  ${ratio.toFixed(2)}× baseline (target ≤ ${PACK_TARGET}×: ${ratio <= PACK_TARGET ? 'met' : 'MISSED'})`,
  );
  console.log(
    `  sizes: evidence.html ${(Buffer.byteLength(html.result) / 1024).toFixed(0)} KiB, evidence.md ${(Buffer.byteLength(markdown.result) / 1024).toFixed(0)} KiB`,
  );
  const one = best(() => wholePack(core, input));
  const spread = spreadOverAccounts(core, input);
  const many = best(() => wholePack(core, spread));
  console.log(
    `  ${`the same over ${ACCOUNTS} accounts (a section each)`.padEnd(38)} ${many.ms.toFixed(1).padStart(8)} ms  ${(many.ms / one.ms).toFixed(2)}× the one-account pack (${one.ms.toFixed(1)} ms); evidence.html ${(Buffer.byteLength(many.result.html) / 1024).toFixed(0)} KiB`,
  );
  return { baselineMs: baseline.ms, packMs: total, accountsRatio: many.ms / one.ms };
}

await benchEvidence();
