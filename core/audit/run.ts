import type { IAMClient } from '@aws-sdk/client-iam';
import type { AwsClientOptions } from '../aws/clients.js';
import { UsageError } from '../errors.js';
import { readSavedReport } from '../inventory/credential-report.js';
import type { Inventory, SourceName } from '../inventory/records.js';
import { createdLaterNote, evaluate, existingAt, summarize } from '../policy/evaluate.js';
import type { Config } from '../policy/schema.js';
import type { Finding } from '../policy/verdicts.js';
import { TOOL } from '../version.js';
import type { AuditReport } from './report.js';

export interface AuditRequest {
  config: Config;
  asOf: Date;
  source: SourceName;
  /** Audit a saved credential report instead of asking IAM. */
  credentialReportFile?: string | undefined;
  /** Where a relative `credentialReportFile` is found (default: the process's cwd). */
  cwd?: string;
  /** Read when `credentialReportFile` is `-`. */
  stdin?: NodeJS.ReadableStream;
  client?: IAMClient;
  /** --profile / --region and the edge's environment, for the IAM client made when none is given. */
  aws?: AwsClientOptions | undefined;
  onProgress?: (done: number, total: number) => void;
}

export async function runAudit(request: AuditRequest): Promise<AuditReport> {
  const { config, asOf } = request;
  let inventory: Inventory;
  const notes: string[] = [];
  if (request.credentialReportFile) {
    if (request.source === 'api')
      throw new UsageError('--credential-report cannot be combined with --source api');
    inventory = await readSavedReport(request.credentialReportFile, {
      cwd: request.cwd ?? process.cwd(),
      stdin: request.stdin,
    });
  } else {
    // The AWS SDK is imported only for a live audit: an offline audit starts without parsing it.
    const { fetchApiInventory, fetchCredentialReport, readQuarantine, resolveFlaggedKeyIds } = await import(
      '../inventory/live.js'
    );
    const client = request.client ?? (await import('../aws/clients.js')).createIamClient(request.aws);
    inventory =
      request.source === 'api'
        ? await fetchApiInventory(client, { onProgress: request.onProgress })
        : await readQuarantine(client, await fetchCredentialReport(client));
    if (inventory.source === 'credential-report') {
      const findings = evaluate(judged(inventory, asOf, notes), config, asOf, inventory.users);
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
  if (request.credentialReportFile) notes.push(OFFLINE_QUARANTINE_NOTE);
  return buildReport(
    inventory,
    evaluate(judged(inventory, asOf, notes), config, asOf, inventory.users),
    config,
    asOf,
    notes,
  );
}

/** The keys that existed at `asOf`; a note names those created later (outside the audit). */
function judged(inventory: Inventory, asOf: Date, notes: string[]) {
  const { existing, createdLater } = existingAt(inventory.keys, asOf);
  const note = createdLaterNote(createdLater, asOf);
  if (note) notes.push(note);
  return existing;
}

/** Said once in the notes of an audit of a saved credential report. */
export const OFFLINE_QUARANTINE_NOTE =
  'a saved credential report does not show which users AWS has quarantined (AWSCompromisedKeyQuarantine*): no key is found compromised offline; a live audit reads it';

function buildReport(
  inventory: Inventory,
  findings: Finding[],
  config: Config,
  asOf: Date,
  notes: string[],
): AuditReport {
  return {
    schemaVersion: 3,
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
