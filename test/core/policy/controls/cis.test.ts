/**
 * Each CIS mapping file keeps the recommendation numbers and titles of the benchmark version it names. The
 * table below was read from the published benchmarks as reproduced in Prowler's compliance files
 * (github.com/prowler-cloud/prowler, prowler/compliance/aws/cis_{3.0,5.0,6.0,7.0}_aws.json, read 2026-12),
 * the v7.0.0 rotation title also from Tenable's audit of CIS_Amazon_Web_Services_Foundations_v7.0.0_L1. It
 * lists every recommendation of each version about access keys, root keys and unused credentials, so that a
 * file that maps another number, or misses one, fails here.
 */
import { describe, expect, it } from 'vitest';
import { CIS_BENCHMARKS, CIS_VERSIONS, type CisVersion } from '../../../../core/policy/controls/index.js';

const ROOT = "Ensure no 'root' user account access key exists";
const ROTATED = 'Ensure access keys are rotated every 90 days or less';

const PUBLISHED: Readonly<Record<CisVersion, Readonly<Record<string, string>>>> = {
  'v7.0.0': {
    '2.4': ROOT,
    '2.11': 'Ensure credentials unused for 45 days or more are disabled',
    '2.12': ROTATED,
  },
  'v6.0.0': {
    '2.3': ROOT,
    '2.11': 'Ensure credentials unused for 45 days or more are disabled',
    '2.12': 'Ensure there is only one active access key for any single IAM user',
    '2.13': ROTATED,
  },
  'v5.0.0': {
    '1.3': ROOT,
    '1.11': 'Ensure credentials unused for 45 days or more are disabled',
    '1.12': 'Ensure there is only one active access key for any single IAM user',
    '1.13': ROTATED,
  },
  'v3.0.0': {
    '1.4': ROOT,
    '1.12': 'Ensure credentials unused for 45 days or greater are disabled',
    '1.13': 'Ensure there is only one active access key available for any single IAM user',
    '1.14': ROTATED,
  },
};

describe('CIS AWS Foundations Benchmark mapping files', () => {
  it.each(CIS_VERSIONS)('%s maps exactly the published recommendation numbers and titles', (version) => {
    // Act
    const mapped = Object.fromEntries(
      CIS_BENCHMARKS[version].controls.map((control) => [control.id, control.title]),
    );

    // Assess
    expect(mapped).toEqual(PUBLISHED[version]);
  });

  it.each(CIS_VERSIONS)('%s names its version in its key and cites its source', (version) => {
    const framework = CIS_BENCHMARKS[version];

    expect(framework.version).toBe(version);
    expect(framework.key).toBe(`cis-aws-foundations-${version}`);
    expect(framework.source).toContain(`Benchmark ${version}`);
  });

  it('has no one-active-key recommendation in v7.0.0, which dropped it', () => {
    const checks = CIS_BENCHMARKS['v7.0.0'].controls.flatMap((control) => control.checks);

    expect(checks).not.toContain('one-active-key');
  });
});
