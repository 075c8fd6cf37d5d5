import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderEvidenceHtml } from '../../../core/evidence/html.js';
import { buildEvidence } from '../../../core/evidence/model.js';
import { chromiumAvailable, dumpDom, screenshot, visibleText } from '../../support/chromium.js';
import {
  FIXTURE_ACCOUNT,
  FIXTURE_SECOND_ACCOUNT,
  fixtureAccountsEvidenceInput,
  fixtureEvidenceInput,
} from '../../support/evidence-fixture.js';

/** `KEYWARDEN_UPDATE_SCREENSHOT=1 npx vitest run test/core/evidence/html-chromium.test.ts` refreshes the picture in docs/evidence.md. */
const GUIDE_SCREENSHOT = join(import.meta.dirname, '..', '..', '..', 'docs', 'evidence.png');
const HOSTILE_USER = '<script>document.body.dataset.pwned="1"</script>';

describe.skipIf(!chromiumAvailable())('evidence.html in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-evidence-html-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders every section, the chart and a broken trail as text a reviewer reads, hostile names inert', async () => {
    // Prepare
    const input = await fixtureEvidenceInput({
      check: { intact: false, records: 5, firstBadSeq: 3, problem: 'seq 3 was altered' },
    });
    input.report.findings[0] = { ...input.report.findings[0]!, user: HOSTILE_USER };
    const file = join(dir, 'broken.html');
    writeFileSync(file, renderEvidenceHtml(buildEvidence(input)));

    // Act
    const dom = await dumpDom(file);
    const text = visibleText(dom);

    // Assess
    for (const heading of [
      'Access key rotation evidence',
      'Status',
      'Scope',
      'Policy and exemptions',
      'Key ages and verdicts',
      'Audit trail: rotation events',
      '21 CFR Part 11 mapping',
    ]) {
      expect(text, heading).toContain(heading);
    }
    expect(text).toContain('AUDIT TRAIL BROKEN at seq 3: seq 3 was altered.');
    expect(text).toContain('Trail verification: BROKEN at seq 3');
    expect(text).toContain('limit 90 d');
    expect(text).toContain('EXPIRED');
    expect(text).toContain(HOSTILE_USER);
    expect(dom).not.toContain('data-pwned');
    expect(dom.match(/<rect /g)?.length).toBe(input.report.findings.length);
  });

  it('renders a pack over two accounts: the overview, a section and a chart per account, a broken account trail first', async () => {
    // Prepare: the second account keeps its own trail, broken at seq 1.
    const input = await fixtureAccountsEvidenceInput();
    input.accountTrails = new Map([
      [
        FIXTURE_SECOND_ACCOUNT,
        {
          location: `s3://keywarden-trail-${FIXTURE_SECOND_ACCOUNT}/trail/`,
          records: [{ ...input.trail.records[3]!, seq: 1 }],
          check: { intact: false, records: 1, firstBadSeq: 1, problem: 'seq 1 has 2 versions' },
        },
      ],
    ]);
    const file = join(dir, 'accounts.html');
    writeFileSync(file, renderEvidenceHtml(buildEvidence(input)));

    // Act
    const dom = await dumpDom(file);
    const text = visibleText(dom);

    // Assess
    expect(text.indexOf(`AUDIT TRAIL OF ACCOUNT ${FIXTURE_SECOND_ACCOUNT} BROKEN at seq 1`)).toBeLessThan(
      text.indexOf('Status'),
    );
    for (const heading of [
      'Accounts',
      `Account ${FIXTURE_ACCOUNT} — research`,
      `Account ${FIXTURE_SECOND_ACCOUNT}`,
      `Rotation events of account ${FIXTURE_SECOND_ACCOUNT}`,
    ]) {
      expect(text, heading).toContain(heading);
    }
    expect(text).toContain('Trail verification: BROKEN at seq 1: seq 1 has 2 versions.');
    expect(dom.match(/<svg /g)?.length).toBe(2);
    expect(dom.match(/<rect /g)?.length).toBe(input.report.findings.length);
  });

  it('keeps every table within the page at 1280 px, the trail’s long ARNs and reasons wrapped (issue 22, also seen)', async () => {
    // Prepare: what a live trail holds: an assumed role's session ARN, a long reason.
    const input = await fixtureEvidenceInput();
    const actor =
      'arn:aws:sts::123456789012:assumed-role/KeywardenRotationFunctionRoleEuCentral1A2B3C4D5E6F7/KeywardenRotationSession0123456789abcdef0123456789abcdef';
    input.trail.records = input.trail.records.map((record) => ({
      ...record,
      actor,
      reason: `${record.reason ?? ''}; found in AWS without its trail record after an interrupted run (create at 2026-11-27T08:00:00.000Z)`,
    }));
    // Measured in the page (the pack's own policy forbids scripts; this copy only adds the measurement).
    const measure = `<script>
addEventListener('load', () => {
  const page = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('table, figure, pre, dl')]
    .filter((element) => element.getBoundingClientRect().right > page + 0.5)
    .map((element) => (element.closest('section')?.id ?? '?') + ':' + element.tagName);
  document.body.setAttribute('data-overflow', wide.join(' ') || 'none');
  document.body.setAttribute('data-scroll', String(document.documentElement.scrollWidth - page));
});
</script>`;
    const html = renderEvidenceHtml(buildEvidence(input))
      .replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '')
      .replace('</body>', `${measure}</body>`);
    const file = join(dir, 'wide.html');
    writeFileSync(file, html);

    // Act
    const dom = await dumpDom(file, { width: 1280, height: 900 });

    // Assess
    expect(/data-overflow="([^"]*)"/.exec(dom)?.[1]).toBe('none');
    expect(/data-scroll="([^"]*)"/.exec(dom)?.[1]).toBe('0');
  });

  it('takes a screenshot of the fixture pack that reads at a glance', async () => {
    const file = join(dir, 'evidence.html');
    writeFileSync(file, renderEvidenceHtml(buildEvidence(await fixtureEvidenceInput())));
    const png = join(dir, 'evidence.png');

    await screenshot(file, png, { width: 1100, height: 1500 });

    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(bytes.readUInt32BE(16)).toBe(1100);
    expect(bytes.length).toBeGreaterThan(50_000);
    if (process.env.KEYWARDEN_UPDATE_SCREENSHOT) copyFileSync(png, GUIDE_SCREENSHOT);
  });
});
