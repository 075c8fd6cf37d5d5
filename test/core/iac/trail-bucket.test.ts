import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../../core/iac/run.js';
import { parseConfig } from '../../../core/policy/schema.js';

const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));
const compliant = readFileSync(join(fixtures, 'cloudformation/trail.yaml'), 'utf8');
const asOf = new Date('2026-11-28T09:00:00Z');
const config = parseConfig({}, { asOf });

/** The findings for the compliant trail template with one thing changed. */
async function findingsFor(change: (template: string) => string) {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-trail-'));
  const changed = change(compliant);
  if (change !== identity) expect(changed).not.toBe(compliant);
  writeFileSync(join(dir, 'trail.yaml'), changed);
  const report = await runCheck(['trail.yaml'], { cwd: dir, config, asOf });
  return report.findings.map((f) => `${f.level} ${f.policy} ${f.address}: ${f.message}`);
}
const identity = (template: string) => template;

describe('require-worm-trail-bucket in keywarden check (the rule of core/infra/worm.ts)', () => {
  it('accepts a CloudFormation trail bucket with Object Lock, COMPLIANCE retention, versioning and the refusing policy', async () => {
    expect(await findingsFor(identity)).toEqual([]);
  });

  it.each([
    [
      'without Object Lock',
      (t: string) => t.replace('ObjectLockEnabled: true', 'ObjectLockEnabled: false'),
      'The trail bucket has no Object Lock',
    ],
    [
      'in GOVERNANCE mode',
      (t: string) => t.replace('Mode: COMPLIANCE', 'Mode: GOVERNANCE'),
      'default retention is GOVERNANCE mode',
    ],
    [
      'retaining 7 years (2,555 days) where trail.retentionDays is 2,557',
      (t: string) => t.replace('Days: 2557', 'Years: 7'),
      'keeps records 2555 days, shorter than trail.retentionDays',
    ],
    [
      'with versioning suspended',
      (t: string) => t.replace('Status: Enabled', 'Status: Suspended'),
      'does not have versioning enabled',
    ],
    [
      'whose policy lets a record be overwritten',
      (t: string) => t.replace('s3:if-none-match: "*"', 's3:if-none-match: "etag"'),
      'does not deny s3:PutObject without If-None-Match',
    ],
    [
      'whose policy lets a version be deleted',
      (t: string) => t.replace('              - s3:DeleteObjectVersion\n', ''),
      'does not deny s3:DeleteObjectVersion',
    ],
  ])('rejects a trail bucket %s', async (_, change, problem) => {
    const findings = await findingsFor(change);

    expect(findings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^mandatory require-worm-trail-bucket TrailBucket: AWS::S3::Bucket "TrailBucket": .*${problem.replace(/[()]/g, '\\$&')}`,
        ),
      ),
    ]);
  });

  it('does not judge a policy known only at deploy time, and says so in an advisory', async () => {
    const findings = await findingsFor((t) =>
      t.replace('Resource: !GetAtt TrailBucket.Arn', 'Resource: !ImportValue shared-trail-arn'),
    );

    expect(findings).toEqual([
      expect.stringContaining(
        'advisory require-worm-trail-bucket TrailBucket: AWS::S3::Bucket "TrailBucket": the trail bucket\'s policy is known only at apply time',
      ),
    ]);
  });

  it('judges only buckets tagged keywarden:purpose=audit-trail', async () => {
    expect(
      await findingsFor((t) =>
        t
          .replace('Value: audit-trail', 'Value: logs')
          .replace('ObjectLockEnabled: true', 'ObjectLockEnabled: false'),
      ),
    ).toEqual([]);
  });

  it('reads a Terraform trail bucket with the resources that configure it, linked through the plan’s configuration', async () => {
    const report = await runCheck(['terraform-trail/plan.json'], { cwd: fixtures, config, asOf });

    expect(report.findings.map((f) => `${f.level} ${f.address}: ${f.message.split(':')[1]?.trim()}`)).toEqual(
      [
        "advisory aws_s3_bucket.archive: the trail bucket's policy is known only at apply time, so keywarden cannot tell whether it refuses deletes and overwrites",
        "mandatory aws_s3_bucket.trail: The trail bucket's default retention is GOVERNANCE mode, which privileged users can bypass",
        "mandatory aws_s3_bucket.trail: The trail bucket's policy does not deny s3",
      ],
    );
  });

  it('requires the configured trail.retentionDays', async () => {
    const longer = parseConfig({ trail: { retentionDays: 3653 } }, { asOf });

    const report = await runCheck(['cloudformation/trail.yaml'], { cwd: fixtures, config: longer, asOf });

    expect(report.findings.map((f) => f.message)).toEqual([
      'AWS::S3::Bucket "TrailBucket": The trail bucket keeps records 2557 days, shorter than trail.retentionDays: set the default COMPLIANCE retention to at least 3653 days.',
    ]);
  });
});
