import type { AuditReport } from '../../core/audit/report.js';
import { loadRegion } from '../../core/aws/clients.js';
import {
  keysUsedAfterReplacement,
  type OldKeyConsumerSource,
  type OldKeyConsumers,
} from '../../core/consumers/sighting.js';

/**
 * Who still uses each violating key after its replacement, for the issue bodies: a few CloudTrail lookups a run
 * (ConsumerFinder's budget), in the region the audit runs in. Optional: without cloudtrail:LookupEvents the body
 * says that CloudTrail could not be read, and the run warns once; it never fails the audit. A run over many
 * accounts looks nothing up (its bodies say so): its credentials read each account through a member role.
 */
export async function consumersForIssues(
  report: AuditReport,
  env: NodeJS.ProcessEnv,
  warn: (message: string) => void,
  source?: OldKeyConsumerSource,
): Promise<ReadonlyMap<string, OldKeyConsumers>> {
  const found = new Map<string, OldKeyConsumers>();
  const candidates = keysUsedAfterReplacement(report.findings);
  if (candidates.length === 0) return found;
  const notLookedUp = (reason: string) => {
    for (const key of candidates) {
      found.set(key.accessKeyId, { kind: 'not-looked-up', accessKeyId: key.accessKeyId, reason });
    }
    return found;
  };
  const manyAccounts = 'a run over many accounts does not read their CloudTrail';
  let finder = source;
  if (!finder) {
    const { region } = await loadRegion({ env });
    if (!region) return notLookedUp('no AWS region is configured for CloudTrail');
    if (report.accounts) return notLookedUp(manyAccounts);
    // The CloudTrail SDK loads only for a run of one account that has such a key.
    const [{ ConsumerFinder }, { createCloudTrailClient }] = await Promise.all([
      import('../../core/consumers/finder.js'),
      import('../../core/consumers/client.js'),
    ]);
    finder = new ConsumerFinder(createCloudTrailClient({ region, env }), region);
  }
  if (report.accounts) return notLookedUp(manyAccounts);
  let warned = false;
  for (const key of candidates) {
    const consumers = await finder.consumersOf(key.accessKeyId, key.replacedAt, report.asOf);
    if (consumers.kind === 'unreadable' && !warned) {
      warned = true;
      warn(
        `keywarden: who still uses an old key could not be looked up (${consumers.reason}); the issue bodies say so. Grant the audit role cloudtrail:LookupEvents to name them (optional).`,
      );
    }
    found.set(key.accessKeyId, consumers);
  }
  return found;
}
