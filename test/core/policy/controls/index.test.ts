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

describe('framework mappings', () => {
  it.each(flagged)('maps the %s verdict to a Part 11 clause and a CIS recommendation', (verdict) => {
    const frameworks = new Set(controlsFor(verdict).map((control) => control.framework));

    expect(frameworks).toContain('21-cfr-part-11');
    expect(frameworks).toContain('cis-aws-foundations-v3.0.0');
  });

  it('maps every verdict to at least one check, and every check to a control of every framework but where none exists', () => {
    for (const verdict of VERDICTS) expect(CHECKS_OF_VERDICT[verdict].length).toBeGreaterThan(0);
    for (const check of CHECKS) {
      const mapped = FRAMEWORKS.filter((framework) =>
        framework.controls.some((control) => control.checks.includes(check)),
      );
      expect(mapped.map((framework) => framework.key)).toContain('cis-aws-foundations-v3.0.0');
    }
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
