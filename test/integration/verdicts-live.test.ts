import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIamClient } from '../../core/aws/clients.js';
import { fetchApiInventory, fetchCredentialReport } from '../../core/inventory/live.js';
import type { Inventory, KeyRecord } from '../../core/inventory/records.js';
import { evaluate } from '../../core/policy/evaluate.js';
import { parseConfig } from '../../core/policy/schema.js';
import { DAY_MS } from '../../core/time.js';
import { seedIam } from '../support/iam-seed.js';
import { type Moto, motoAvailable, startMoto } from '../support/moto.js';

const seededAt = new Date('2026-11-28T00:00:00Z');
const config = parseConfig({}, { asOf: seededAt });

/**
 * The new verdicts at their boundaries, on keys read live from moto by both sources. Each boundary is set
 * from the instant the source itself reports (the credential report has whole seconds, the API more), so the
 * same ± 1 ms cases hold whichever source read the key.
 */
describe.skipIf(!motoAvailable())('unused and superseded at their boundaries, read live from moto', () => {
  let moto: Moto;
  const inventories: Record<'credential report' | 'API', Inventory> = {} as never;

  beforeAll(async () => {
    moto = await startMoto();
    moto.useInThisProcess();
    await seedIam(moto, seededAt, [
      { name: 'dormant', keys: [{ ageDays: 60, lastUsedDaysAgo: 45 }] },
      {
        name: 'rotating',
        keys: [
          { ageDays: 50, lastUsedDaysAgo: 1 },
          { ageDays: 7, lastUsedDaysAgo: 1 },
        ],
      },
    ]);
    const client = createIamClient();
    inventories['credential report'] = await fetchCredentialReport(client, { sleep: async () => {} });
    inventories.API = await fetchApiInventory(client);
    client.destroy();
  });
  afterAll(async () => moto?.stop());

  const keysOf = (inventory: Inventory, user: string) =>
    inventory.keys
      .filter((key) => key.user === user)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const verdictAt = (keys: KeyRecord[], asOf: Date, slotIndex: number) =>
    evaluate(keys, config, asOf).find((finding) => finding.createdAt === keys[slotIndex]?.createdAt)?.verdict;

  describe.each(['credential report', 'API'] as const)('from the %s', (source) => {
    it.each([
      [-1, 'compliant'],
      [0, 'compliant'],
      [1, 'unused'],
    ] as const)('judges a key last used unusedKeyDays %i ms before the audit %s', (offsetMs, verdict) => {
      // Prepare
      const keys = keysOf(inventories[source], 'dormant');
      const lastUsed = keys[0]?.lastUsedAt as Date;
      const asOf = new Date(lastUsed.getTime() + 45 * DAY_MS + offsetMs);

      // Act
      const judged = verdictAt(keys, asOf, 0);

      // Assess
      expect(judged).toBe(verdict);
    });

    it.each([
      [-1, 'compliant'],
      [0, 'compliant'],
      [1, 'superseded'],
    ] as const)(
      'judges the older key when the newer is deactivateAfterDays %i ms old %s',
      (offsetMs, verdict) => {
        // Prepare
        const keys = keysOf(inventories[source], 'rotating');
        const newer = keys[1]?.createdAt as Date;
        const asOf = new Date(newer.getTime() + 7 * DAY_MS + offsetMs);

        // Act
        const findings = evaluate(keys, config, asOf);

        // Assess
        expect(findings.find((f) => f.createdAt === keys[0]?.createdAt)?.verdict).toBe(verdict);
        expect(findings.find((f) => f.createdAt === keys[1]?.createdAt)?.verdict).toBe('compliant');
      },
    );
  });
});
