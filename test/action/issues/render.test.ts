import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../../action/issues/fingerprint.js';
import { desiredIssues, markersOf, ownerHint } from '../../../action/issues/render.js';
import type { UserRecord } from '../../../core/inventory/records.js';
import { controlsFor } from '../../../core/policy/controls/index.js';
import type { Finding } from '../../../core/policy/verdicts.js';

const asOf = new Date('2026-06-01T12:00:00Z');
const policy = { maxKeyAgeDays: 90, warnDays: 14, unusedKeyDays: 45 };
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    account: '123456789012',
    user: 'alice',
    userArn: 'arn:aws:iam::123456789012:user/alice',
    accessKeyId: KEY_ID,
    keySlot: 1,
    status: 'Active',
    createdAt: new Date('2026-02-01T00:00:00Z'),
    lastUsedAt: null,
    lastUsedService: null,
    ageDays: 120,
    verdict: 'overdue',
    severity: 'violation',
    reason: 'Active access key not rotated in over 90 days (120 days old).',
    controls: controlsFor(overrides.verdict ?? 'overdue'),
    ...overrides,
  };
}

const user = (tags: Record<string, string> | null): UserRecord => ({
  account: '123456789012',
  user: 'alice',
  userArn: 'arn:aws:iam::123456789012:user/alice',
  tags,
});

const render = (findings: Finding[], maskKeyIds = true, users: UserRecord[] = []) =>
  desiredIssues(findings, { policy, asOf, maskKeyIds, users });

describe('desiredIssues', () => {
  it('files one issue per user with a violation, none for warnings', () => {
    const issues = render([
      finding(),
      finding({ keySlot: 2, accessKeyId: 'AKIAOTHERKEY00000001' }),
      finding({ user: 'bob', verdict: 'expiring', severity: 'warning' }),
    ]);
    expect(issues.map((i) => i.user)).toEqual(['alice']);
    expect(issues[0]?.fingerprint).toBe(fingerprint('123456789012', 'alice'));
  });

  it('names the clause, the age, the limit and the remediation commands', () => {
    const [issue] = render([finding()], false);
    expect(issue?.body).toContain('21 CFR 11.300(b)');
    expect(issue?.body).toContain('120 days');
    expect(issue?.body).toContain('**90 days**');
    expect(issue?.body).toContain(`aws iam delete-access-key --user-name alice --access-key-id ${KEY_ID}`);
    expect(issue?.body).toContain('keywarden rotate --user alice');
  });

  it('masks key IDs everywhere in the issue while masking is on', () => {
    const [issue] = render([finding()], true);
    expect(issue?.body.includes(KEY_ID)).toBe(false);
    expect(issue?.title.includes(KEY_ID)).toBe(false);
    expect(issue?.body).toContain('AKIA…MPLE');
    expect(issue?.body).toContain('aws iam list-access-keys --user-name alice');
  });

  it('keeps the digest when only the age grew, so an unchanged issue is not rewritten', () => {
    const [today] = render([finding()]);
    const [tomorrow] = render([finding({ ageDays: 121 })]);
    expect(tomorrow?.digest).toBe(today?.digest);
  });

  it('changes the digest when another key becomes overdue', () => {
    const [before] = render([finding()]);
    const [after] = render([finding(), finding({ keySlot: 2, accessKeyId: 'AKIAOTHERKEY00000001' })]);
    expect(after?.digest).not.toBe(before?.digest);
  });

  it('renders an owner tag holding markdown, HTML and mentions inert', () => {
    const hostile = '<img src=x onerror=alert(1)> [click](https://evil.example) @org/everyone #1 **bold**';
    const [issue] = render([finding()], true, [user({ owner: hostile })]);
    const body = issue?.body ?? '';
    expect(body).toContain('Owner hint');
    expect(body.includes('<img')).toBe(false);
    expect(body.includes('[click](')).toBe(false);
    expect(body.includes('https://')).toBe(false);
    expect(body.includes('@org')).toBe(false);
    expect(body.includes(' #1')).toBe(false);
    expect(body.includes('**bold**')).toBe(false);
  });

  it('files a root key as a violation whose issue says to delete the key, never to rotate it', () => {
    // Prepare
    const root = finding({
      user: '<root_account>',
      userArn: 'arn:aws:iam::123456789012:root',
      accessKeyId: null,
      createdAt: new Date('2026-05-30T00:00:00Z'),
      ageDays: 2,
      verdict: 'root-key',
      reason:
        'The root account has an active access key (2 days old); no root access key may exist: delete it.',
    });

    // Act
    const [issue] = render([root]);

    // Assess
    expect(issue?.title).toBe('Delete the root account access key (account 123456789012)');
    expect(issue?.body).toContain('**Delete it; do not rotate it**');
    expect(issue?.body).toContain('aws iam delete-access-key --access-key-id <ACCESS_KEY_ID>');
    expect(issue?.body).not.toMatch(/keywarden rotate|create-access-key|--user-name/);
    expect(issue?.body).toContain(
      '**Controls**: 21 CFR 11.10(d), Annex 11 12.1, CIS 2.4, FSBP IAM.4, Config iam-root-access-key-check',
    );
    expect(issue?.body).toContain('finds no root access key');
  });

  it('shows the controls an overdue key fails, with the CIS benchmark version', () => {
    const [issue] = render([finding()]);

    expect(issue?.body).toContain(
      '**Controls**: 21 CFR 11.300(b), Annex 11 12.1, CIS 2.12, FSBP IAM.3, Config access-keys-rotated (Annex 11 = EU GMP Annex 11 2011; CIS = CIS AWS Foundations Benchmark v7.0.0;',
    );
  });

  it('states the day an overdue key went over the limit: creation + maxKeyAgeDays', () => {
    const [issue] = render([finding()]);

    expect(issue?.body).toContain('| 2026-02-01 | 2026-05-02 | 120 days |');
  });

  it('carries markers that the next run reads back', () => {
    const [issue] = render([finding()]);
    expect(markersOf(issue?.body)).toEqual({ fingerprint: issue?.fingerprint, digest: issue?.digest });
  });
});

describe('ownerHint', () => {
  it('prefers keywarden:owner over owner and ignores empty tags', () => {
    expect(ownerHint(user({ owner: 'team-a', 'keywarden:owner': 'team-b' }))).toEqual({
      tag: 'keywarden:owner',
      value: 'team-b',
    });
    expect(ownerHint(user({ owner: '  ' }))).toBeNull();
    expect(ownerHint(user(null))).toBeNull();
  });
});
