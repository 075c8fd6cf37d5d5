import { describe, expect, it } from 'vitest';
import { ROOT_USER } from '../../../core/inventory/records.js';
import { evaluate } from '../../../core/policy/evaluate.js';
import { parseConfig } from '../../../core/policy/schema.js';
import {
  ASFF_GENERATOR_ID,
  ASFF_REQUIRED_ATTRIBUTES,
  productArn,
  renderAsff,
  toAsff,
} from '../../../core/report/asff.js';
import { AS_OF, auditReport, createdDaysAgo, keyRecord } from '../../support/records.js';

const region = 'eu-central-1';
const report = auditReport([
  keyRecord({ user: 'alice', accessKeyId: 'AKIAEXAMPLE0000001', createdAt: createdDaysAgo(97) }),
  keyRecord({ user: 'bob', createdAt: createdDaysAgo(5) }),
  keyRecord({ user: 'carol', lastUsedAt: createdDaysAgo(60), createdAt: createdDaysAgo(70) }),
  keyRecord({ user: ROOT_USER, userArn: 'arn:aws:iam::123456789012:root', createdAt: createdDaysAgo(2) }),
]);
const byUser = (user: string) =>
  toAsff(report, { region }).find((f) => f.Resources[0]?.Details && f.Title.includes(`: ${user} (`));

describe('toAsff', () => {
  it('gives every finding each attribute BatchImportFindings requires, non-empty', () => {
    // Act
    const findings = toAsff(report, { region });

    // Assess
    expect(findings).toHaveLength(4);
    for (const finding of findings) {
      for (const attribute of ASFF_REQUIRED_ATTRIBUTES) {
        const value = (finding as unknown as Record<string, unknown>)[attribute];
        expect(value, attribute).toBeDefined();
        expect(value, attribute).not.toEqual('');
        if (Array.isArray(value)) expect(value.length, attribute).toBeGreaterThan(0);
      }
      expect(finding.Severity.Label).toMatch(/^(INFORMATIONAL|LOW|MEDIUM|HIGH|CRITICAL)$/);
      expect(finding.Title.length).toBeLessThanOrEqual(256);
      expect(finding.Description.length).toBeLessThanOrEqual(1024);
      for (const type of finding.Types) expect(type.split('/').length).toBeLessThanOrEqual(3);
    }
  });

  it("files into the account's default product in the region, under keywarden's GeneratorId, dated asOf", () => {
    const [finding] = toAsff(report, { region });

    expect(finding).toMatchObject({
      SchemaVersion: '2018-10-08',
      ProductArn: 'arn:aws:securityhub:eu-central-1:123456789012:product/123456789012/default',
      GeneratorId: ASFF_GENERATOR_ID,
      AwsAccountId: '123456789012',
      CreatedAt: AS_OF.toISOString(),
      UpdatedAt: AS_OF.toISOString(),
      RecordState: 'ACTIVE',
    });
    expect(productArn('cn-north-1', '123456789012')).toBe(
      'arn:aws-cn:securityhub:cn-north-1:123456789012:product/123456789012/default',
    );
  });

  it.each([
    ['alice', 'FAILED', 'HIGH', 'NEW'],
    ['carol', 'WARNING', 'MEDIUM', 'NEW'],
    ['bob', 'PASSED', 'INFORMATIONAL', 'RESOLVED'],
    [ROOT_USER, 'FAILED', 'CRITICAL', 'NEW'],
  ])('gives %s Compliance.Status %s, Severity %s, Workflow %s', (user, compliance, severity, workflow) => {
    const finding = byUser(user);

    expect(finding?.Compliance.Status).toBe(compliance);
    expect(finding?.Severity.Label).toBe(severity);
    expect(finding?.Workflow.Status).toBe(workflow);
  });

  it('marks an exempt key a suppressed warning, not a pass', () => {
    const exempted = auditReport([keyRecord({ createdAt: createdDaysAgo(200) })]);
    exempted.findings = exempted.findings.map((f) => ({ ...f, verdict: 'exempt', severity: 'ok' }));

    const [finding] = toAsff(exempted, { region });

    expect(finding?.Compliance.Status).toBe('WARNING');
    expect(finding?.Workflow.Status).toBe('SUPPRESSED');
  });

  it('keeps the same Id whatever the source knows of the key, so a re-import updates it', () => {
    // Prepare: the same key as a credential report sees it (no ID, slot 2) and as the API does (ID, slot 1).
    const fromReport = auditReport([keyRecord({ keySlot: 2, createdAt: createdDaysAgo(97) })]);
    const fromApi = auditReport([
      keyRecord({ keySlot: 1, accessKeyId: 'AKIAEXAMPLE0000001', createdAt: createdDaysAgo(97) }),
    ]);

    // Act
    const ids = [fromReport, fromApi].map((r) => toAsff(r, { region })[0]?.Id);

    // Assess
    expect(ids[0]).toBe(`keywarden/123456789012/access-key/alice/${createdDaysAgo(97).toISOString()}`);
    expect(ids[1]).toBe(ids[0]);
  });

  it('tells apart two keys of one user created in the same instant', () => {
    const twins = auditReport([
      keyRecord({ keySlot: 1, createdAt: createdDaysAgo(3) }),
      keyRecord({ keySlot: 2, createdAt: createdDaysAgo(3) }),
    ]);

    const ids = toAsff(twins, { region }).map((f) => f.Id);

    expect(new Set(ids).size).toBe(2);
  });

  it('names the key and its user as resources, and the account for a root key', () => {
    expect(byUser('alice')?.Resources.map((r) => [r.Type, r.Id])).toEqual([
      ['AwsIamAccessKey', 'AKIAEXAMPLE0000001'],
      ['AwsIamUser', 'arn:aws:iam::123456789012:user/alice'],
    ]);
    expect(byUser(ROOT_USER)?.Resources.map((r) => r.Type)).toEqual(['AwsIamAccessKey', 'AwsAccount']);
  });

  it('lists the controls as related requirements with the framework versions', () => {
    expect(byUser('alice')?.Compliance.RelatedRequirements).toEqual([
      '21 CFR Part 11 1997/11.300(b)',
      'EU GMP Annex 11 2011/12.1',
      'CIS AWS Foundations Benchmark v7.0.0/2.12',
      'AWS Foundational Security Best Practices v1.0.0/IAM.3',
      'AWS Config managed rules/access-keys-rotated',
    ]);
  });

  it('says how to fix a failed key, and that a root key is deleted', () => {
    expect(byUser('alice')?.Remediation?.Recommendation.Text).toContain('keywarden rotate --user alice');
    expect(byUser(ROOT_USER)?.Remediation?.Recommendation.Text).toContain('delete-access-key');
    expect(byUser('bob')?.Remediation).toBeUndefined();
  });

  it('writes no secret: nothing that looks like a secret access key or a secret field', () => {
    const text = renderAsff(report, { region });

    expect(text).not.toMatch(/secret_?access_?key/i);
    expect(text).not.toMatch(/(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/);
  });

  it('files a key of a user AWS quarantined as CRITICAL and FAILED', () => {
    // Prepare
    const quarantined = auditReport([keyRecord()], {});
    const findings = evaluate(quarantined.findings, parseConfig({}, { asOf: AS_OF }), AS_OF, [
      { account: '123456789012', user: 'alice', quarantinePolicies: ['AWSCompromisedKeyQuarantine'] },
    ]);

    // Act
    const [finding] = toAsff({ ...quarantined, findings }, { region });

    // Assess
    expect(finding?.Severity).toEqual({ Label: 'CRITICAL', Original: 'compromised' });
    expect(finding?.Compliance.Status).toBe('FAILED');
    expect(finding?.Title).toBe('IAM access key of a user AWS quarantined as exposed: alice (key 1)');
  });
});
