import { describe, expect, it } from 'vitest';
import { renderEvidenceHtml } from '../../../core/evidence/html.js';
import { buildEvidence } from '../../../core/evidence/model.js';
import { fixtureAccountsEvidenceInput, fixtureEvidenceInput } from '../../support/evidence-fixture.js';

const SCRIPT = '<script>document.title="pwned"</script>';
const IMAGE = '<img src=x onerror="alert(1)">';
const ATTRIBUTE = '"><svg onload=alert(1)>';

async function hostileInput() {
  const input = await fixtureEvidenceInput();
  input.report.findings[0] = { ...input.report.findings[0]!, user: SCRIPT, reason: IMAGE };
  input.config.exemptions[0] = { ...input.config.exemptions[0]!, reason: IMAGE, approvedBy: ATTRIBUTE };
  input.trail.records = input.trail.records.map((record) => ({
    ...record,
    actor: ATTRIBUTE,
    reason: SCRIPT,
  }));
  input.configFile = { origin: `${SCRIPT}.yml`, text: 'maxKeyAgeDays: 90' };
  input.sourceLabel = IMAGE;
  return input;
}

describe('renderEvidenceHtml', () => {
  it('renders a pack over two accounts: an overview, then a section per account, each with its own chart', async () => {
    // Prepare
    const model = buildEvidence(await fixtureAccountsEvidenceInput());

    // Act
    const html = renderEvidenceHtml(model);

    // Assess
    await expect(html).toMatchFileSnapshot('__snapshots__/evidence-accounts.html');
    for (const account of ['123456789012', '210987654321']) {
      expect(html).toContain(`<section id="account-${account}" class="account">`);
      expect(html).toContain(`<title id="chart-title-${account}">`);
    }
    expect(html).not.toContain('<section id="keys">');
  });

  it('renders the fixture pack of one account as the reviewed snapshot', async () => {
    // Prepare
    const model = buildEvidence(await fixtureEvidenceInput());

    // Act
    const html = renderEvidenceHtml(model);

    // Assess
    await expect(html).toMatchFileSnapshot('__snapshots__/evidence-intact.html');
  });

  it.each([
    ['one account', fixtureEvidenceInput],
    ['several accounts', fixtureAccountsEvidenceInput],
  ])(
    'references nothing outside the file: no scripts, links, images, fonts or URLs (%s)',
    async (_, input) => {
      // Prepare
      const model = buildEvidence(await input());

      // Act
      const html = renderEvidenceHtml(model);

      // Assess
      for (const outside of [
        '<script',
        '<link',
        '<img',
        '<iframe',
        'src=',
        'href=',
        'url(',
        '@import',
        'http:',
        'https:',
      ]) {
        expect(html.includes(outside), outside).toBe(false);
      }
      expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
      expect(html).toContain('<svg viewBox=');
    },
  );

  it('escapes every untrusted string: user names, reasons, approvers, trail fields, file names', async () => {
    const html = renderEvidenceHtml(buildEvidence(await hostileInput()));

    for (const raw of [SCRIPT, IMAGE, ATTRIBUTE, '<script', '<img', '<svg onload']) {
      expect(html.includes(raw), raw).toBe(false);
    }
    expect(html).toContain('&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(html).toContain('&quot;&gt;&lt;svg onload=alert(1)&gt;');
  });

  it('puts a broken trail in a banner before the status section and says so in the trail section', async () => {
    const model = buildEvidence(
      await fixtureEvidenceInput({
        check: { intact: false, records: 5, firstBadSeq: 3, problem: 'hash does not match the record' },
      }),
    );

    const html = renderEvidenceHtml(model);

    const banner = html.indexOf('AUDIT TRAIL BROKEN at seq 3');
    expect(banner).toBeGreaterThan(0);
    expect(banner).toBeLessThan(html.indexOf('<section id="status">'));
    expect(html).toContain('<div class="trail-check broken" role="status">');
  });

  it('marks an expired exemption and shows its approver and expiry', async () => {
    const html = renderEvidenceHtml(buildEvidence(await fixtureEvidenceInput()));

    expect(html).toMatch(
      /legacy-report<\/td><td>every account<\/td><td>[^<]+<\/td><td>qa-lead@example.com<\/td><td>2026-10-31<\/td><td><span class="badge overdue">EXPIRED<\/span>/,
    );
  });
});
