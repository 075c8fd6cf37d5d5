import { describe, expect, it } from 'vitest';
import {
  CHECKS_OF_VERDICT,
  controlOf,
  controlsFor,
  controlsShort,
  FRAMEWORKS,
} from '../../../../core/policy/controls/index.js';
import { CHECKS } from '../../../../core/policy/controls/model.js';
import { SEVERITY_OF } from '../../../../core/policy/evaluate.js';
import { VERDICTS } from '../../../../core/policy/verdicts.js';
import { docSection } from '../../../support/docs.js';

const controlsSection = docSection('docs/frameworks.md', 'controls');
const flagged = VERDICTS.filter((verdict) => SEVERITY_OF[verdict] !== 'ok');
/**
 * What no CIS v3.0.0 recommendation covers: none speaks of a key AWS found exposed (section 1 has rotation,
 * unused credentials, one active key and root keys, nothing on AWS's quarantine).
 */
const OUTSIDE_CIS: readonly string[] = ['compromised'];

describe('framework mappings', () => {
  it.each(flagged)(
    'maps the %s verdict to a Part 11 clause and a CIS recommendation where one exists',
    (verdict) => {
      const frameworks = new Set(controlsFor(verdict).map((control) => control.framework));

      expect(frameworks).toContain('21-cfr-part-11');
      if (!OUTSIDE_CIS.includes(verdict)) expect(frameworks).toContain('cis-aws-foundations-v3.0.0');
    },
  );

  it('maps every verdict to at least one check, and every check to a control of every framework but where none exists', () => {
    for (const verdict of VERDICTS) expect(CHECKS_OF_VERDICT[verdict].length).toBeGreaterThan(0);
    for (const check of CHECKS) {
      const mapped = FRAMEWORKS.filter((framework) =>
        framework.controls.some((control) => control.checks.includes(check)),
      ).map((framework) => framework.key);
      expect(mapped).toContain('21-cfr-part-11');
      if (!OUTSIDE_CIS.includes(check)) expect(mapped).toContain('cis-aws-foundations-v3.0.0');
    }
  });

  it('maps a compromised key to the Part 11 clauses on compromised credentials and the Config rule that sees the policy', () => {
    expect(controlsShort(controlsFor('compromised'))).toBe(
      '21 CFR 11.10(d), 21 CFR 11.300(c), 21 CFR 11.300(d), Config iam-policy-blacklisted-check',
    );
  });

  it('names the CIS benchmark version in the framework key and docs/frameworks.md', () => {
    const cis = FRAMEWORKS.find((framework) => framework.name === 'CIS AWS Foundations Benchmark');

    expect(cis?.key).toBe(`cis-aws-foundations-${cis?.version}`);
    expect(controlsSection).toContain(`CIS AWS Foundations Benchmark ${cis?.version}`);
  });

  it('maps the checks Prowler and Security Hub run to the controls they are known by', () => {
    expect(controlsShort(controlsFor('root-key'))).toBe(
      '21 CFR 11.10(d), CIS 1.4, FSBP IAM.4, Config iam-root-access-key-check',
    );
    expect(controlsShort(controlsFor('unused'))).toBe(
      '21 CFR 11.10(d), 21 CFR 11.300(b), CIS 1.12, FSBP IAM.22, Config iam-user-unused-credentials-check',
    );
    expect(controlsShort(controlsFor('superseded'))).toBe('21 CFR 11.300(b), CIS 1.13');
    expect(controlsShort(controlsFor('overdue'))).toBe(
      '21 CFR 11.300(b), CIS 1.14, FSBP IAM.3, Config access-keys-rotated',
    );
  });

  it('never gives a user key the root control', () => {
    for (const verdict of VERDICTS.filter((v) => v !== 'root-key')) {
      expect(controlsFor(verdict).map((control) => control.id)).not.toContain('1.4');
    }
  });

  it('refers only to controls its framework files define', () => {
    for (const verdict of VERDICTS) {
      for (const control of controlsFor(verdict)) expect(controlOf(control), control.id).toBeDefined();
    }
  });

  it('lists every mapped control ID in docs/frameworks.md', () => {
    const mapped = new Set(VERDICTS.flatMap((verdict) => controlsFor(verdict)));

    for (const control of mapped) expect(controlsSection, control.id).toContain(`\`${control.id}\``);
  });
});
