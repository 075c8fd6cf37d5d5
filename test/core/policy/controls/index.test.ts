import { describe, expect, it } from 'vitest';
import {
  CHECKS_OF_VERDICT,
  CIS_VERSIONS,
  controlOf,
  controlsFor,
  controlsShort,
  FRAMEWORKS,
  frameworkLegend,
  frameworksFor,
} from '../../../../core/policy/controls/index.js';
import { CHECKS } from '../../../../core/policy/controls/model.js';
import { SEVERITY_OF } from '../../../../core/policy/evaluate.js';
import { VERDICTS } from '../../../../core/policy/verdicts.js';
import { docSection } from '../../../support/docs.js';

const controlsSection = docSection('docs/frameworks.md', 'controls');
const flagged = VERDICTS.filter((verdict) => SEVERITY_OF[verdict] !== 'ok');
const ALL = { cis: CIS_VERSIONS };

describe('framework mappings', () => {
  it.each(flagged)('maps the %s verdict to a Part 11 clause and an Annex 11 clause', (verdict) => {
    const frameworks = new Set(controlsFor(verdict).map((control) => control.framework));

    expect(frameworks).toContain('21-cfr-part-11');
    expect(frameworks).toContain('eu-gmp-annex-11');
  });

  it('carries CIS v7.0.0 by default, and the versions a config selects, in the order selected', () => {
    const cisOf = (selection?: { cis: readonly (typeof CIS_VERSIONS)[number][] }) =>
      controlsFor('overdue', selection)
        .filter((control) => control.framework.startsWith('cis-'))
        .map((control) => `${control.framework} ${control.id}`);

    expect(cisOf()).toEqual(['cis-aws-foundations-v7.0.0 2.12']);
    expect(cisOf({ cis: ['v5.0.0', 'v3.0.0'] })).toEqual([
      'cis-aws-foundations-v5.0.0 1.13',
      'cis-aws-foundations-v3.0.0 1.14',
    ]);
    expect(cisOf({ cis: [] })).toEqual([]);
  });

  it('gives a superseded key no CIS control under v7.0.0, which dropped "one active key per user"', () => {
    expect(controlsShort(controlsFor('superseded'))).toBe('21 CFR 11.300(b), Annex 11 12.1');
    expect(controlsShort(controlsFor('superseded', { cis: ['v6.0.0'] }))).toBe(
      '21 CFR 11.300(b), Annex 11 12.1, CIS 2.12',
    );
  });

  it('maps every verdict to at least one check, and every check to a control of every CIS version but v7.0.0 for one-active-key and none for compromised', () => {
    for (const verdict of VERDICTS) expect(CHECKS_OF_VERDICT[verdict].length).toBeGreaterThan(0);
    for (const version of CIS_VERSIONS) {
      const [cis] = frameworksFor({ cis: [version] }).filter((f) => f.key.startsWith('cis-'));
      for (const check of CHECKS) {
        const served = cis?.controls.some((control) => control.checks.includes(check));
        // No CIS recommendation of any version speaks of a key AWS found exposed (AWS's quarantine).
        const none = check === 'compromised' || (version === 'v7.0.0' && check === 'one-active-key');
        expect(served, `${version} ${check}`).toBe(!none);
      }
    }
  });

  it('maps a compromised key to the Part 11 clauses on compromised credentials, Annex 11 12.1 and the Config rule that sees the policy', () => {
    expect(controlsShort(controlsFor('compromised'))).toBe(
      '21 CFR 11.10(d), 21 CFR 11.300(c), 21 CFR 11.300(d), Annex 11 12.1, Config iam-policy-blacklisted-check',
    );
  });

  it('names each CIS benchmark version in its framework key and in the README', () => {
    for (const framework of FRAMEWORKS.filter((f) => f.name === 'CIS AWS Foundations Benchmark')) {
      expect(framework.key).toBe(`cis-aws-foundations-${framework.version}`);
      expect(controlsSection).toContain(`CIS AWS Foundations Benchmark ${framework.version}`);
    }
  });

  it('maps the checks Prowler and Security Hub run to the controls they are known by', () => {
    expect(controlsShort(controlsFor('root-key'))).toBe(
      '21 CFR 11.10(d), Annex 11 12.1, CIS 2.4, FSBP IAM.4, Config iam-root-access-key-check',
    );
    expect(controlsShort(controlsFor('unused'))).toBe(
      '21 CFR 11.10(d), 21 CFR 11.300(b), Annex 11 12.1, CIS 2.11, FSBP IAM.22, Config iam-user-unused-credentials-check',
    );
    expect(controlsShort(controlsFor('overdue'))).toBe(
      '21 CFR 11.300(b), Annex 11 12.1, CIS 2.12, FSBP IAM.3, Config access-keys-rotated',
    );
    expect(controlsShort(controlsFor('overdue', { cis: ['v5.0.0'] }))).toBe(
      '21 CFR 11.300(b), Annex 11 12.1, CIS 1.13, FSBP IAM.3, Config access-keys-rotated',
    );
  });

  it('names the version of each CIS control when a list holds two versions, and says so in the legend', () => {
    const controls = controlsFor('overdue', { cis: ['v7.0.0', 'v5.0.0'] });

    expect(controlsShort(controls)).toBe(
      '21 CFR 11.300(b), Annex 11 12.1, CIS v7.0.0 2.12, CIS v5.0.0 1.13, FSBP IAM.3, Config access-keys-rotated',
    );
    expect(frameworkLegend(controls)).toBe(
      'Annex 11 = EU GMP Annex 11 2011; CIS v7.0.0 = CIS AWS Foundations Benchmark v7.0.0; CIS v5.0.0 = CIS AWS Foundations Benchmark v5.0.0; FSBP = AWS Foundational Security Best Practices v1.0.0; Config = AWS Config managed rules',
    );
  });

  it('never gives a user key the root control', () => {
    const rootIds = new Set(['1.4', '1.3', '2.3', '2.4']);
    for (const verdict of VERDICTS.filter((v) => v !== 'root-key')) {
      for (const control of controlsFor(verdict, ALL)) {
        if (control.framework.startsWith('cis-')) expect(rootIds.has(control.id), control.id).toBe(false);
      }
    }
  });

  it('refers only to controls its framework files define', () => {
    for (const verdict of VERDICTS) {
      for (const control of controlsFor(verdict, ALL)) expect(controlOf(control), control.id).toBeDefined();
    }
  });

  it('lists every mapped control ID of every version in the README section on framework mappings', () => {
    const mapped = new Set(VERDICTS.flatMap((verdict) => controlsFor(verdict, ALL)));

    for (const control of mapped) expect(controlsSection, control.id).toContain(`\`${control.id}\``);
  });

  it('cites where every framework file read its IDs and titles', () => {
    for (const framework of FRAMEWORKS) expect(framework.source.length, framework.key).toBeGreaterThan(20);
  });
});
