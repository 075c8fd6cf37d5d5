import { describe, expect, it } from 'vitest';
import { renderEvidenceMarkdown } from '../../../core/evidence/markdown.js';
import { buildEvidence } from '../../../core/evidence/model.js';
import { fixtureAccountsEvidenceInput, fixtureEvidenceInput } from '../../support/evidence-fixture.js';

describe('renderEvidenceMarkdown', () => {
  it('renders a pack over two accounts with an overview and a section per account, as the reviewed snapshot', async () => {
    // Prepare
    const model = buildEvidence(await fixtureAccountsEvidenceInput());

    // Act
    const markdown = renderEvidenceMarkdown(model);

    // Assess
    await expect(markdown).toMatchFileSnapshot('__snapshots__/evidence-accounts.md');
    expect(markdown.indexOf('## Account 123456789012 — research')).toBeLessThan(
      markdown.indexOf('## Account 210987654321'),
    );
    expect(markdown).not.toContain('## Key ages and verdicts');
  });

  it("puts a broken account trail's banner above everything and its verification in the account's section", async () => {
    // Prepare
    const input = await fixtureAccountsEvidenceInput();
    input.accountTrails = new Map([
      [
        '210987654321',
        {
          location: 's3://keywarden-trail-210987654321/trail/',
          records: [{ ...input.trail.records[3]!, seq: 1 }],
          check: { intact: false, records: 1, firstBadSeq: 1, problem: 'seq 1 has 2 versions' },
        },
      ],
    ]);

    // Act
    const markdown = renderEvidenceMarkdown(buildEvidence(input));

    // Assess
    const banner = markdown.indexOf('AUDIT TRAIL OF ACCOUNT 210987654321 BROKEN at seq 1');
    expect(banner).toBeGreaterThan(0);
    expect(banner).toBeLessThan(markdown.indexOf('## Status'));
    const section = markdown.slice(
      markdown.indexOf('## Account 210987654321'),
      markdown.indexOf('## Audit trail'),
    );
    expect(section).toContain('🔴 **TRAIL VERIFICATION FAILED.** BROKEN at seq 1: seq 1 has 2 versions.');
    expect(markdown).toContain("This trail holds the pack's digest; each account's own trail");
  });

  it('renders the fixture pack with an intact trail as the reviewed snapshot', async () => {
    // Prepare
    const model = buildEvidence(await fixtureEvidenceInput());

    // Act
    const markdown = renderEvidenceMarkdown(model);

    // Assess
    await expect(markdown).toMatchFileSnapshot('__snapshots__/evidence-intact.md');
  });

  it('renders a broken trail as a banner above everything else, as the reviewed snapshot', async () => {
    const model = buildEvidence(
      await fixtureEvidenceInput({
        check: { intact: false, records: 5, firstBadSeq: 3, problem: 'hash does not match the record' },
      }),
    );

    const markdown = renderEvidenceMarkdown(model);

    await expect(markdown).toMatchFileSnapshot('__snapshots__/evidence-broken.md');
    const firstSection = markdown.indexOf('## Status');
    expect(markdown.indexOf('AUDIT TRAIL BROKEN at seq 3')).toBeGreaterThan(0);
    expect(markdown.indexOf('AUDIT TRAIL BROKEN at seq 3')).toBeLessThan(firstSection);
  });

  it('escapes Markdown in names and reasons so that a hostile user name renders as text', async () => {
    const input = await fixtureEvidenceInput();
    const hostile = '[click](https://evil.example)<img src=x>|';
    input.report.findings[0] = { ...input.report.findings[0]!, user: hostile };

    const markdown = renderEvidenceMarkdown(buildEvidence(input));

    expect(markdown.includes(hostile)).toBe(false);
    expect(markdown).toContain('\\[click\\]\\(https:&#8203;//evil.example\\)&lt;img src=x&gt;\\|');
  });
});
