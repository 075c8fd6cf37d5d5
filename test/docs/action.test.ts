import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { desiredIssues } from '../../action/issues/render.js';
import { controlsFor } from '../../core/policy/controls/index.js';
import { docSection } from '../support/docs.js';

/** docs/action.md's "What an issue looks like", rendered from this fixed finding. */
function sampleIssue() {
  const [issue] = desiredIssues(
    [
      {
        account: '123456789012',
        user: 'svc-reporting',
        userArn: 'arn:aws:iam::123456789012:user/svc-reporting',
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        keySlot: 1,
        status: 'Active',
        createdAt: new Date('2026-02-11T08:30:00Z'),
        lastUsedAt: new Date('2026-05-31T00:00:00Z'),
        lastUsedService: 's3',
        ageDays: 110,
        verdict: 'overdue',
        severity: 'violation',
        reason: 'Active access key not rotated in over 90 days (110 days old).',
        controls: controlsFor('overdue'),
      },
    ],
    {
      policy: { maxKeyAgeDays: 90, warnDays: 14, unusedKeyDays: 45 },
      asOf: new Date('2026-06-01T12:00:00Z'),
      maskKeyIds: true,
      users: [
        {
          account: '123456789012',
          user: 'svc-reporting',
          userArn: 'arn:aws:iam::123456789012:user/svc-reporting',
          tags: { owner: 'data-platform team' },
          quarantinePolicies: null,
        },
      ],
    },
  );
  if (!issue) throw new Error('no sample issue');
  return issue;
}

describe('docs/action.md', () => {
  const section = docSection('docs/action.md', 'action');

  it('shows the issue the renderer writes for its sample finding', () => {
    const issue = sampleIssue();
    const shown = /## What an issue looks like[\s\S]*?````markdown\n([\s\S]*?)\n````\n/.exec(section)?.[1];
    expect(shown).toBe(issue.body);
    expect(section).toContain(`Title: \`${issue.title}\``);
  });

  it('lists every input of action.yml', () => {
    const inputs = Object.keys(
      (readFileSync('action.yml', 'utf8').match(/^inputs:\n([\s\S]*?)^outputs:/m)?.[1] ?? '')
        .split('\n')
        .filter((line) => /^ {2}[a-z-]+:$/.test(line))
        .reduce<Record<string, true>>(
          (all, line) => Object.assign(all, { [line.trim().slice(0, -1)]: true }),
          {},
        ),
    );
    expect(inputs.length).toBeGreaterThan(5);
    // The IaC check's inputs are documented in its guide, docs/check.md (test/docs/check.test.ts).
    const checkGuide = readFileSync('docs/check.md', 'utf8');
    for (const input of inputs) {
      const documented =
        section.includes(`| \`${input}\` |`) || checkGuide.includes(`| \`${input}\` (input) |`);
      expect(documented, input).toBe(true);
    }
  });
});
