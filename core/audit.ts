import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { IAMClient } from '@aws-sdk/client-iam';
import { createIamClient } from './aws.js';
import type { Config, Policy } from './config.js';
import { UsageError } from './errors.js';
import { evaluate, type Summary, summarize } from './evaluate.js';
import { decodeSavedReport, parseCredentialReport } from './inventory/credential-report.js';
import { fetchApiInventory, fetchCredentialReport, resolveFlaggedKeyIds } from './inventory/live.js';
import type { Finding, Gap, Inventory, SourceName, UserRecord } from './types.js';
import { TOOL } from './version.js';

/** The audit result every renderer, the Action and the evidence pack read. JSON form: schemaVersion 1. */
export interface AuditReport {
  schemaVersion: 1;
  tool: typeof TOOL;
  asOf: Date;
  source: SourceName;
  account: string;
  policy: Policy;
  summary: Summary;
  findings: Finding[];
  /** Users the audit saw (tags only from the API source). Not in the JSON contract. */
  users: UserRecord[];
  /** What could not be read. Non-empty means the audit is incomplete (exit 3). */
  gaps: Gap[];
  /** Things worth telling a person that do not change a verdict. */
  notes: string[];
}

export interface AuditRequest {
  config: Config;
  asOf: Date;
  source: SourceName;
  /** Audit a saved credential report instead of asking IAM. */
  credentialReportFile?: string | undefined;
  /** Where a relative `credentialReportFile` is found (default: the process's cwd). */
  cwd?: string;
  client?: IAMClient;
  onProgress?: (done: number, total: number) => void;
}

export async function runAudit(request: AuditRequest): Promise<AuditReport> {
  const { config, asOf } = request;
  let inventory: Inventory;
  const notes: string[] = [];
  if (request.credentialReportFile) {
    if (request.source === 'api')
      throw new UsageError('--credential-report cannot be combined with --source api');
    inventory = await readSavedReport(request.credentialReportFile, request.cwd ?? process.cwd());
  } else {
    const client = request.client ?? createIamClient();
    inventory =
      request.source === 'api'
        ? await fetchApiInventory(client, { onProgress: request.onProgress })
        : await fetchCredentialReport(client);
    if (inventory.source === 'credential-report') {
      const findings = evaluate(inventory.keys, config, asOf);
      const resolved = await resolveFlaggedKeyIds(client, findings);
      notes.push(...resolved.notes);
      return buildReport(inventory, resolved.findings, config, asOf, notes);
    }
  }
  if (inventory.generatedAt && asOf.getTime() - inventory.generatedAt.getTime() > 4 * 3600_000 + 60_000) {
    notes.push(
      `the credential report was generated at ${inventory.generatedAt.toISOString()}, before the audit time`,
    );
  }
  return buildReport(inventory, evaluate(inventory.keys, config, asOf), config, asOf, notes);
}

function buildReport(
  inventory: Inventory,
  findings: Finding[],
  config: Config,
  asOf: Date,
  notes: string[],
): AuditReport {
  return {
    schemaVersion: 1,
    tool: TOOL,
    asOf,
    source: inventory.source,
    account: inventory.account,
    policy: {
      maxKeyAgeDays: config.maxKeyAgeDays,
      warnDays: config.warnDays,
      unusedKeyDays: config.unusedKeyDays,
    },
    summary: summarize(findings, inventory.users.length),
    findings,
    users: inventory.users,
    gaps: inventory.gaps,
    notes,
  };
}

async function readSavedReport(file: string, cwd: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${file}: cannot read credential report (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? 'error')})`,
      { cause: err },
    );
  }
  if (text.trim() === '') throw new UsageError(`${file}: the credential report is empty`);
  const { csv, generatedAt } = decodeSavedReport(text, file);
  return parseCredentialReport(csv, file, generatedAt);
}
