import { fileURLToPath } from 'node:url';
import type { Log } from 'sarif';
import { describe, expect, it } from 'vitest';
import type { CheckReport, IacFinding } from '../../../core/iac/check.js';
import { runCheck } from '../../../core/iac/run.js';
import { renderCheckSarif, SARIF_MAX_RESULTS } from '../../../core/iac/sarif.js';
import { parseConfig } from '../../../core/policy/schema.js';
import { validateSarif as validate } from '../../support/sarif-schema.js';

const cwd = fileURLToPath(new URL('./fixtures', import.meta.url));
const asOf = new Date('2026-11-28T09:00:00Z');
const config = parseConfig(
  {
    exemptions: [
      {
        user: 'svc-vendor-appliance',
        reason: 'CAPA-2291',
        approvedBy: 'qa-lead@example.com',
        expiresOn: '2027-03-31',
      },
    ],
  },
  { asOf },
);

async function sarifOf(paths: string[]): Promise<Log> {
  return JSON.parse(renderCheckSarif(await runCheck(paths, { cwd, config, asOf }))) as Log;
}

describe('keywarden check --format sarif', () => {
  it('is valid against the published SARIF 2.1.0 schema, for every kind of input', async () => {
    // Act
    const log = await sarifOf([
      'terraform/plan.json',
      'cloudformation/keys.yaml',
      'cloudformation/keys.json',
      'cdk.out',
    ]);

    // Assess
    expect(validate(log) ? [] : validate.errors).toEqual([]);
    expect(log.runs[0]?.results).toHaveLength(13);
  });

  it('is checked by a schema that refuses what is not SARIF (the validator is live)', async () => {
    const log = await sarifOf(['cloudformation/keys.yaml']);
    const broken = structuredClone(log) as unknown as {
      runs: Array<{ results: Array<Record<string, unknown>> }>;
    };
    delete broken.runs[0]!.results[0]!['message'];

    expect(validate(broken)).toBe(false);
  });

  it('meets what GitHub code scanning documents for an upload', async () => {
    const log = await sarifOf(['terraform/plan.json', 'cloudformation/keys.yaml', 'cdk.out']);
    const [run] = log.runs;
    const driver = run!.tool.driver;

    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1); // at most 20 runs; one tool and category per file
    expect(driver).toMatchObject({ name: 'keywarden', informationUri: expect.stringMatching(/^https:\/\//) });
    for (const rule of driver.rules ?? []) {
      expect(rule.id).toMatch(/^[a-z-]{1,255}$/);
      expect(rule.shortDescription?.text.length).toBeLessThanOrEqual(1024);
      expect(rule.help?.text).toBeTruthy();
      expect(rule.help?.markdown).toBeTruthy();
      expect(['error', 'warning', 'note']).toContain(rule.defaultConfiguration?.level);
      expect((rule.properties?.tags ?? []).length).toBeLessThanOrEqual(20);
      expect(Number(rule.properties?.['security-severity'])).toBeGreaterThan(0);
    }
    const ruleIds = new Set(driver.rules?.map((rule) => rule.id));
    for (const result of run!.results ?? []) {
      expect(ruleIds).toContain(result.ruleId);
      expect(driver.rules?.[result.ruleIndex ?? -1]?.id).toBe(result.ruleId);
      expect(['error', 'warning']).toContain(result.level);
      expect(result.message.text).toBeTruthy();
      expect(result.locations).toHaveLength(1); // at most 1,000 locations per result
      const location = result.locations?.[0]?.physicalLocation;
      expect(location?.artifactLocation?.uri).toMatch(/^(terraform|cloudformation|cdk\.out)\//); // relative to the checkout
      if (location?.region) expect(location.region.startLine).toBeGreaterThanOrEqual(1);
      expect(Object.keys(result.partialFingerprints ?? {})).toEqual(['keywardenFinding/v1']);
    }
  });

  it('gives a line where the template has one, and none for a plan', async () => {
    const results = (await sarifOf(['terraform/plan.json', 'cloudformation/keys.yaml'])).runs[0]!.results!;
    const region = (address: string) =>
      results.find((r) => r.locations?.[0]?.logicalLocations?.[0]?.fullyQualifiedName === address)
        ?.locations?.[0]?.physicalLocation?.region;

    expect(region('AppKey')).toEqual({ startLine: 48 });
    expect(region('aws_iam_access_key.app')).toBeUndefined();
  });

  it('keeps the same fingerprint for the same finding across runs and clocks', async () => {
    const first = await sarifOf(['cloudformation/keys.yaml']);
    const later = JSON.parse(
      renderCheckSarif(
        await runCheck(['cloudformation/keys.yaml'], { cwd, config, asOf: new Date('2026-12-01T00:00:00Z') }),
      ),
    ) as Log;

    expect(later.runs[0]!.results!.map((r) => r.partialFingerprints)).toEqual(
      first.runs[0]!.results!.map((r) => r.partialFingerprints),
    );
  });

  it('refuses more results than code scanning keeps in one run instead of cutting them short', () => {
    const finding: IacFinding = {
      policy: 'reject-iam-access-keys',
      level: 'mandatory',
      severity: 'critical',
      file: 'plan.json',
      address: 'aws_iam_access_key.k',
      resourceType: 'aws_iam_access_key',
      message: 'm',
    };
    const report: CheckReport = {
      schemaVersion: 1,
      tool: { name: 'keywarden', version: '0' },
      asOf,
      inputs: [],
      findings: Array.from({ length: SARIF_MAX_RESULTS + 1 }, () => finding),
      summary: { inputs: 1, resources: 1, mandatory: SARIF_MAX_RESULTS + 1, advisory: 0 },
    };

    expect(() => renderCheckSarif(report)).toThrow(
      '25001 findings are more than code scanning accepts in one run (25000): check fewer paths at a time, or use --format json',
    );
  });
});
