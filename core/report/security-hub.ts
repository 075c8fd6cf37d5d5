import {
  type AwsSecurityFinding,
  type AwsSecurityFindingFilters,
  BatchImportFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { type AwsClientOptions, clientConfig, requireRegion } from '../aws/clients.js';
import { describeError, IncompleteError } from '../errors.js';
import { ASFF_GENERATOR_ID, type AsffFinding } from './asff.js';

/** BatchImportFindings takes at most 100 findings per call. */
export const IMPORT_BATCH = 100;

/**
 * Security Hub is regional: its region is resolved as every region-bound client's (`core/aws/clients.ts`:
 * --region > AWS_REGION > AWS_DEFAULT_REGION > the profile), never the IAM-only fallback, so that findings land
 * where the user's configuration says.
 */
export function createSecurityHubClient(options: AwsClientOptions = {}): SecurityHubClient {
  return new SecurityHubClient(clientConfig({ ...options, global: false }));
}

/** The region findings are imported to, which is part of their ProductArn; a usage error when there is none. */
export async function securityHubRegion(options: AwsClientOptions = {}): Promise<string> {
  return requireRegion(options, 'Security Hub findings (the region is part of their ProductArn)');
}

export interface RefusedFinding {
  id: string;
  reason: string;
}

export interface SecurityHubSync {
  imported: number;
  /** Findings keywarden filed earlier for keys that no longer exist, now RecordState ARCHIVED. */
  archived: number;
  refused: RefusedFinding[];
  /** BatchImportFindings and GetFindings calls made. */
  calls: number;
}

export interface SyncRequest {
  findings: readonly AsffFinding[];
  /** Archive earlier keywarden findings of these accounts that this run did not re-file (complete audits only). */
  archiveAccounts: readonly string[];
  productArn: string;
  now: Date;
}

/**
 * Imports the findings (batches of 100; each refusal is reported, none is thrown away silently), then archives
 * keywarden's earlier findings of the audited accounts whose keys were not seen again.
 */
export async function syncSecurityHub(
  client: SecurityHubClient,
  request: SyncRequest,
): Promise<SecurityHubSync> {
  const result: SecurityHubSync = { imported: 0, archived: 0, refused: [], calls: 0 };
  const imported = await importBatches(client, request.findings, result);
  result.imported = imported;
  if (request.archiveAccounts.length === 0) return result;

  const current = new Set(request.findings.map((finding) => finding.Id));
  let earlier: AwsSecurityFinding[];
  try {
    earlier = await listOwnFindings(client, request.productArn, request.archiveAccounts, result);
  } catch (err) {
    throw new IncompleteError(
      `Security Hub: ${result.imported} findings imported, but the earlier ones could not be listed to archive those of deleted keys (GetFindings: ${describeError(err)})`,
      { cause: err },
    );
  }
  const gone = earlier
    .filter((finding) => finding.Id && !current.has(finding.Id))
    .map((finding) => archived(finding, request.now));
  result.archived = await importBatches(client, gone, result);
  return result;
}

async function importBatches(
  client: SecurityHubClient,
  findings: readonly AsffFinding[],
  result: SecurityHubSync,
): Promise<number> {
  let succeeded = 0;
  for (let start = 0; start < findings.length; start += IMPORT_BATCH) {
    const batch = findings.slice(start, start + IMPORT_BATCH);
    result.calls += 1;
    try {
      // keywarden's AsffFinding is the ASFF JSON shape; the SDK types Details as nested unions of the same.
      const response = await client.send(
        new BatchImportFindingsCommand({ Findings: batch as unknown as AwsSecurityFinding[] }),
      );
      const refused = response.FailedFindings ?? [];
      for (const failure of refused) {
        result.refused.push({
          id: failure.Id ?? '(no Id)',
          reason: `${failure.ErrorCode ?? 'error'}: ${failure.ErrorMessage ?? 'refused'}`,
        });
      }
      succeeded += response.SuccessCount ?? batch.length - refused.length;
    } catch (err) {
      const reason = `BatchImportFindings: ${describeError(err)}`;
      for (const finding of batch) result.refused.push({ id: finding.Id, reason });
    }
  }
  return succeeded;
}

/** keywarden's active findings of the accounts, by ProductArn, GeneratorId and account (checked again here). */
async function listOwnFindings(
  client: SecurityHubClient,
  productArn: string,
  accounts: readonly string[],
  result: SecurityHubSync,
): Promise<AwsSecurityFinding[]> {
  const filters: AwsSecurityFindingFilters = {
    ProductArn: [{ Value: productArn, Comparison: 'EQUALS' }],
    GeneratorId: [{ Value: ASFF_GENERATOR_ID, Comparison: 'EQUALS' }],
    RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
    AwsAccountId: accounts.map((account) => ({ Value: account, Comparison: 'EQUALS' as const })),
  };
  const found: AwsSecurityFinding[] = [];
  let nextToken: string | undefined;
  do {
    result.calls += 1;
    const page = await client.send(
      new GetFindingsCommand({ Filters: filters, MaxResults: 100, NextToken: nextToken }),
    );
    found.push(...(page.Findings ?? []));
    nextToken = page.NextToken || undefined;
  } while (nextToken);
  // The filter is applied again here: what keywarden archives must be its own, whatever the service returned.
  return found.filter(
    (finding) =>
      finding.ProductArn === productArn &&
      finding.GeneratorId === ASFF_GENERATOR_ID &&
      finding.RecordState !== 'ARCHIVED' &&
      accounts.includes(finding.AwsAccountId ?? ''),
  );
}

/** The earlier finding, archived: only the required attributes, RecordState ARCHIVED, updated now. */
function archived(finding: AwsSecurityFinding, now: Date): AsffFinding {
  return {
    SchemaVersion: finding.SchemaVersion ?? '2018-10-08',
    Id: finding.Id ?? '',
    ProductArn: finding.ProductArn ?? '',
    GeneratorId: finding.GeneratorId ?? ASFF_GENERATOR_ID,
    AwsAccountId: finding.AwsAccountId ?? '',
    Types: finding.Types ?? [],
    CreatedAt: finding.CreatedAt ?? now.toISOString(),
    UpdatedAt: now.toISOString(),
    Severity: {
      Label: (finding.Severity?.Label as AsffFinding['Severity']['Label']) ?? 'INFORMATIONAL',
      Original: finding.Severity?.Original ?? 'archived',
    },
    Title: finding.Title ?? 'keywarden finding',
    Description: `${finding.Description ?? ''} (archived: the key no longer exists)`.slice(0, 1024),
    Resources: (finding.Resources ?? []) as AsffFinding['Resources'],
    Compliance: {
      Status: (finding.Compliance?.Status as AsffFinding['Compliance']['Status']) ?? 'NOT_AVAILABLE',
      RelatedRequirements: finding.Compliance?.RelatedRequirements ?? [],
    },
    RecordState: 'ARCHIVED',
    Workflow: { Status: 'RESOLVED' },
  };
}
