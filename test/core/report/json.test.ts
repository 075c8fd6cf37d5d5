import { describe, expect, it } from 'vitest';
import { renderJson, toJsonReport } from '../../../core/report/json.js';
import { AS_OF, auditReport, createdDaysAgo, keyRecord } from '../../support/records.js';

describe('renderJson', () => {
  it('writes schema v3 exactly: the fields of docs/design.md in order, plus account per finding, complete and gaps', () => {
    // Prepare
    const report = auditReport([
      keyRecord({
        accessKeyId: 'AKIAEXAMPLE0000001',
        createdAt: createdDaysAgo(97),
        lastUsedAt: null,
      }),
    ]);

    // Act
    const json = JSON.parse(renderJson(report));

    // Assess
    expect(Object.keys(json)).toEqual([
      'schemaVersion',
      'tool',
      'asOf',
      'source',
      'account',
      'policy',
      'summary',
      'complete',
      'gaps',
      'notes',
      'findings',
    ]);
    expect(json).toEqual({
      schemaVersion: 3,
      tool: { name: 'keywarden', version: expect.stringMatching(/^\d+\.\d+\.\d+/) },
      asOf: AS_OF.toISOString(),
      source: 'credential-report',
      account: '123456789012',
      policy: { maxKeyAgeDays: 90, warnDays: 14, unusedKeyDays: 45 },
      summary: {
        users: 1,
        keys: 1,
        compliant: 0,
        expiring: 0,
        unused: 0,
        overdue: 1,
        stale: 0,
        exempt: 0,
        'root-key': 0,
        compromised: 0,
        superseded: 0,
        violations: 1,
        warnings: 0,
      },
      complete: true,
      gaps: [],
      notes: [],
      findings: [
        {
          account: '123456789012',
          user: 'alice',
          userArn: 'arn:aws:iam::123456789012:user/alice',
          accessKeyId: 'AKIAEXAMPLE0000001',
          keySlot: 1,
          status: 'Active',
          createdAt: createdDaysAgo(97).toISOString(),
          lastUsedAt: null,
          ageDays: 97,
          verdict: 'overdue',
          severity: 'violation',
          reason: 'Active access key not rotated in over 90 days (97 days old).',
          controls: [
            { framework: '21-cfr-part-11', id: '11.300(b)' },
            { framework: 'eu-gmp-annex-11', id: '12.1' },
            { framework: 'cis-aws-foundations-v7.0.0', id: '2.12' },
            { framework: 'aws-fsbp', id: 'IAM.3' },
            { framework: 'aws-config', id: 'access-keys-rotated' },
          ],
        },
      ],
    });
  });

  it('keeps the summary keys in the order of the contract', () => {
    const json = toJsonReport(auditReport([]));

    expect(Object.keys(json.summary)).toEqual([
      'users',
      'keys',
      'compliant',
      'expiring',
      'unused',
      'overdue',
      'stale',
      'exempt',
      'root-key',
      'compromised',
      'superseded',
      'violations',
      'warnings',
    ]);
  });

  it('says the audit is incomplete and what is missing', () => {
    const report = auditReport([keyRecord()], {
      gaps: [{ scope: 'user:bob', reason: 'ListAccessKeys: AccessDenied: not authorized' }],
    });

    const json = toJsonReport(report);

    expect(json.complete).toBe(false);
    expect(json.gaps).toEqual([
      { scope: 'user:bob', reason: 'ListAccessKeys: AccessDenied: not authorized' },
    ]);
  });

  it('ends with a newline and nothing else after the JSON', () => {
    const text = renderJson(auditReport([]));

    expect(text.endsWith('}\n')).toBe(true);
  });
});
