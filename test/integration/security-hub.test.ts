import { resolve } from 'node:path';
import { GetFindingsCommand, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { OFFLINE_QUARANTINE_NOTE } from '../../core/audit/run.js';
import { productArn, toAsff } from '../../core/report/asff.js';
import { createSecurityHubClient, IMPORT_BATCH, syncSecurityHub } from '../../core/report/security-hub.js';
import { docText } from '../support/docs.js';
import { captureIo } from '../support/io.js';
import { type Moto, motoAvailable, startMoto } from '../support/moto.js';
import { AS_OF, auditReport, createdDaysAgo, keyRecord } from '../support/records.js';

const ROOT = resolve(import.meta.dirname, '../..');
const region = 'us-east-1';
const account = '123456789012';
const ARN = productArn(region, account);

describe.skipIf(!motoAvailable())("Security Hub import against moto's Security Hub", () => {
  let moto: Moto;
  let hub: SecurityHubClient;

  beforeAll(async () => {
    moto = await startMoto();
    moto.useInThisProcess();
    hub = createSecurityHubClient();
  });
  beforeEach(async () => moto.reset());
  afterAll(async () => {
    hub?.destroy();
    await moto?.stop();
  });

  /** Everything moto holds (its GetFindings ignores filters, so this is every finding). */
  async function stored() {
    const all = [];
    let NextToken: string | undefined;
    do {
      const page = await hub.send(new GetFindingsCommand({ MaxResults: 100, NextToken }));
      all.push(...(page.Findings ?? []));
      NextToken = page.NextToken || undefined;
    } while (NextToken);
    return all;
  }

  const users = (count: number) =>
    Array.from({ length: count }, (_, i) =>
      keyRecord({ user: `user-${i}`, createdAt: createdDaysAgo(i % 120) }),
    );

  it('imports every finding in batches of 100 and counts the calls', async () => {
    // Prepare
    const findings = toAsff(auditReport(users(230)), { region });

    // Act
    const result = await syncSecurityHub(hub, { findings, archiveAccounts: [], productArn: ARN, now: AS_OF });

    // Assess
    expect(result).toEqual({ imported: 230, archived: 0, refused: [], calls: Math.ceil(230 / IMPORT_BATCH) });
    expect((await stored()).map((f) => f.Id).sort()).toEqual(findings.map((f) => f.Id).sort());
  });

  it('updates instead of duplicating when the same keys are imported again', async () => {
    // Prepare
    const first = toAsff(auditReport(users(3)), { region });
    await syncSecurityHub(hub, { findings: first, archiveAccounts: [account], productArn: ARN, now: AS_OF });
    const later = new Date(AS_OF.getTime() + 86_400_000);

    // Act
    const again = toAsff({ ...auditReport(users(3)), asOf: later }, { region });
    const result = await syncSecurityHub(hub, {
      findings: again,
      archiveAccounts: [account],
      productArn: ARN,
      now: later,
    });

    // Assess
    const all = await stored();
    expect(result.archived).toBe(0);
    expect(all).toHaveLength(3);
    expect(new Set(all.map((f) => f.UpdatedAt))).toEqual(new Set([later.toISOString()]));
  });

  it("archives keywarden's findings of keys that no longer exist, and only keywarden's", async () => {
    // Prepare: three keys filed, then one deleted; a finding of another product beside them.
    const before = toAsff(auditReport(users(3)), { region });
    await syncSecurityHub(hub, { findings: before, archiveAccounts: [account], productArn: ARN, now: AS_OF });
    const foreign = {
      ...before[0],
      Id: 'other-tool/finding-1',
      GeneratorId: 'other-tool',
    } as (typeof before)[0];
    await syncSecurityHub(hub, { findings: [foreign], archiveAccounts: [], productArn: ARN, now: AS_OF });
    const later = new Date(AS_OF.getTime() + 86_400_000);
    const remaining = toAsff({ ...auditReport(users(3).slice(1)), asOf: later }, { region });
    const deleted = before.find((finding) => finding.Title.includes(': user-0 ('))?.Id ?? '';

    // Act
    const result = await syncSecurityHub(hub, {
      findings: remaining,
      archiveAccounts: [account],
      productArn: ARN,
      now: later,
    });

    // Assess
    const all = await stored();
    const state = Object.fromEntries(all.map((f) => [f.Id, f.RecordState]));
    expect(result).toMatchObject({ imported: 2, archived: 1, refused: [] });
    expect(all).toHaveLength(4);
    expect(state[deleted]).toBe('ARCHIVED');
    expect(state[remaining[0]?.Id ?? '']).toBe('ACTIVE');
    expect(state['other-tool/finding-1']).toBe('ACTIVE');
  });

  it('reports each finding Security Hub refuses, and imports the rest', async () => {
    // Prepare: a finding without resources, which Security Hub refuses.
    const [good, bad] = toAsff(auditReport(users(2)), { region });
    const broken = { ...bad, Resources: [] } as unknown as NonNullable<typeof good>;

    // Act
    const result = await syncSecurityHub(hub, {
      findings: [good as NonNullable<typeof good>, broken],
      archiveAccounts: [],
      productArn: ARN,
      now: AS_OF,
    });

    // Assess
    expect(result.imported).toBe(1);
    expect(result.refused).toEqual([
      { id: broken.Id, reason: expect.stringMatching(/^InvalidInput: .*resource/) },
    ]);
  });

  it('imports the sample audit with keywarden audit --security-hub, and a re-run adds nothing', async () => {
    // Prepare
    const argv = [
      'audit',
      '--credential-report',
      'examples/credential-report.csv',
      '--config',
      'examples/keywarden.yml',
      '--as-of',
      '2026-11-28',
      '--format',
      'json',
      '--security-hub',
    ];
    const run = async () => {
      const captured = captureIo({ cwd: ROOT, env: process.env });
      const exitCode = await main(argv, captured.io);
      return { exitCode, stdout: captured.stdout(), stderr: captured.stderr() };
    };

    // Act
    const first = await run();
    const second = await run();

    // Assess
    const keys = JSON.parse(first.stdout).summary.keys;
    expect(first.exitCode).toBe(1);
    expect(first.stderr).toBe(
      `keywarden: note: ${OFFLINE_QUARANTINE_NOTE}\nkeywarden: Security Hub (us-east-1): ${keys} findings imported, 0 archived, 2 API calls\n`,
    );
    expect(second.stderr).toBe(first.stderr);
    const all = await stored();
    expect(all).toHaveLength(keys);
    expect(all.every((f) => f.GeneratorId === 'keywarden/access-key-audit' && f.ProductArn === ARN)).toBe(
      true,
    );
    expect(JSON.stringify(all)).not.toMatch(/secret_?access_?key/i);
  });

  it('writes the sample as ASFF that the aws CLI shape accepts (a JSON array of findings)', async () => {
    const captured = captureIo({ cwd: ROOT, env: process.env });
    const exitCode = await main(
      [
        'audit',
        '--credential-report',
        'examples/credential-report.csv',
        '--as-of',
        '2026-11-28',
        '--format',
        'asff',
        '--fail-on',
        'never',
      ],
      captured.io,
    );

    const findings = JSON.parse(captured.stdout());
    expect(exitCode).toBe(0);
    expect(Array.isArray(findings)).toBe(true);
    expect(
      findings.find((f: { Severity: { Original: string } }) => f.Severity.Original === 'root-key'),
    ).toMatchObject({
      Compliance: { Status: 'FAILED' },
      Resources: [{ Type: 'AwsIamAccessKey' }, { Type: 'AwsAccount', Id: `AWS::::Account:${account}` }],
    });
    expect(docText('docs/frameworks.md')).toContain('--format asff');
  });
});
