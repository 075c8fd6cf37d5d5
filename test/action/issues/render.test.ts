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
  quarantinePolicies: null,
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

describe('desiredIssues: a user AWS quarantined', () => {
  it('says what AWS did and what to do, and stays open until the policy is detached', () => {
    // Prepare
    const quarantined = { ...user(null), quarantinePolicies: ['AWSCompromisedKeyQuarantineV2' as const] };
    const exposed = finding({
      verdict: 'compromised',
      ageDays: 3,
      reason: 'AWS attached AWSCompromisedKeyQuarantineV2 to this user: …',
    });

    // Act
    const [issue] = render([exposed], false, [quarantined]);

    // Assess
    expect(issue?.title).toBe(
      'AWS quarantined alice for an exposed access key: replace it now (account 123456789012)',
    );
    expect(issue?.body).toContain('AWS attached **AWSCompromisedKeyQuarantineV2** to the user');
    expect(issue?.body).toContain('An exemption does not cover an exposed key.');
    expect(issue?.body).toContain('**21 CFR 11.300(c)**');
    expect(issue?.body).toContain('keywarden rotate --user alice');
    expect(issue?.body).toContain(`review CloudTrail for use of ${KEY_ID}`);
    expect(issue?.body).toContain('until a person has reviewed it and detached the policy');
    expect(issue?.body).not.toContain('over the limit since');
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

describe('issue bodies naming who still uses a key after its replacement', () => {
  const seen = {
    kind: 'seen' as const,
    accessKeyId: KEY_ID,
    region: 'us-east-1',
    since: new Date('2026-05-20T00:00:00Z'),
    until: asOf,
    truncated: false,
    consumers: [
      {
        sourceIp: '203.0.113.10',
        userAgent: 'evil|agent <img src=x> @someone',
        services: ['s3.amazonaws.com'],
        regions: ['us-east-1'],
        firstSeen: new Date('2026-05-21T00:00:00Z'),
        lastSeen: new Date('2026-05-31T08:00:00Z'),
        events: 4,
      },
    ],
  };
  const withConsumers = (found: Parameters<typeof desiredIssues>[1]['consumers'], maskKeyIds = false) =>
    desiredIssues([finding()], { policy, asOf, maskKeyIds, users: [], consumers: found })[0];

  it('lists each consumer, escaped, under the key table', () => {
    const issue = withConsumers(new Map([[KEY_ID, seen]]));
    expect(issue?.body).toContain(
      [
        '### Still in use after its replacement',
        '',
        `Seen using the key ${KEY_ID} since 2026-05-20T00:00:00Z \\(CloudTrail event history of us-east-1\\):`,
        '',
        '| source | user agent | last seen | events |',
        '|---|---|---|---:|',
        '| 203.0.113.10 | evil\\|agent &lt;img src=x&gt; @&#8203;someone | 2026-05-31T08:00:00Z | 4 |',
        '',
        'Move each of them to the new key before the old one is deactivated.',
      ].join('\n'),
    );
  });

  it('shows the masked key, never the full ID, when key IDs are masked', () => {
    const issue = withConsumers(new Map([[KEY_ID, seen]]), true);
    expect(issue?.body).not.toContain(KEY_ID);
  });

  it('says in one line that CloudTrail could not be read, and rewrites the issue when the consumers change', () => {
    const unreadable = withConsumers(
      new Map([
        [KEY_ID, { kind: 'unreadable', accessKeyId: KEY_ID, region: 'us-east-1', reason: 'access denied' }],
      ]),
    );
    expect(unreadable?.body).toContain(
      `Who uses the key ${KEY_ID} is not known: CloudTrail's event history of us-east-1 could not be read \\(access denied\\).`,
    );
    expect(unreadable?.digest).not.toBe(withConsumers(new Map([[KEY_ID, seen]]))?.digest);
    expect(withConsumers(undefined)?.body).not.toContain('Still in use');
  });
});
