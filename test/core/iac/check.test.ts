import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkExitCode } from '../../../core/iac/check.js';
import { runCheck } from '../../../core/iac/run.js';
import { parseConfig } from '../../../core/policy/schema.js';

const cwd = fileURLToPath(new URL('./fixtures', import.meta.url));
const asOf = new Date('2026-11-28T09:00:00Z');
const applianceExemption = {
  user: 'svc-vendor-appliance',
  reason: 'Appliance firmware cannot reload keys; CAPA-2291',
  approvedBy: 'qa-lead@example.com',
  expiresOn: '2027-03-31',
};
const config = (exemptions: object[] = [applianceExemption], scope?: object) =>
  parseConfig({ exemptions, ...(scope && { scope }) }, { asOf });

const summaryOf = async (paths: string[], configuration = config(), when = asOf) => {
  const report = await runCheck(paths, { cwd, config: configuration, asOf: when });
  return report.findings.map((f) => `${f.level} ${f.policy} ${f.address}`);
};

describe('keywarden check over every tool', () => {
  it('rejects keys, exempts the exempted user, flags misspelt tags, and defers unknown users to an advisory (Terraform)', async () => {
    expect(await summaryOf(['terraform/plan.json'])).toEqual([
      'mandatory reject-iam-access-keys aws_iam_access_key.app',
      'mandatory require-valid-rotation-tags aws_iam_user.app',
      'advisory reject-iam-access-keys module.team.aws_iam_access_key.service',
      'advisory require-valid-rotation-tags module.team.aws_iam_user.service',
    ]);
  });

  it('does the same for a CloudFormation template (a parameter as the user name is known only at deploy time)', async () => {
    expect(await summaryOf(['cloudformation/keys.yaml'])).toEqual([
      'mandatory require-valid-rotation-tags AppUser',
      'mandatory reject-iam-access-keys AppKey',
      'advisory reject-iam-access-keys ServiceKey',
    ]);
  });

  it('does the same for each stack of a CDK assembly', async () => {
    expect(await summaryOf(['cdk.out'])).toEqual([
      'mandatory reject-iam-access-keys KeywardenAppStack/DeployerKey5E5A1D9C',
      'mandatory require-valid-rotation-tags Prod/ServiceStack/Service9571FDD8',
      'advisory reject-iam-access-keys Prod/ServiceStack/ServiceKey8E6A4F7A',
    ]);
  });

  it('rejects a key whose user is known only at apply time when no exemption is in force', async () => {
    expect(await summaryOf(['cloudformation/keys.yaml'], config([]))).toContain(
      'mandatory reject-iam-access-keys ServiceKey',
    );
  });

  it('rejects the exempted key the day after its exemption expires, naming the expiry (the clock is --as-of)', async () => {
    const lastDay = await summaryOf(['terraform/plan.json'], config(), new Date('2027-03-31T23:59:59Z'));
    const report = await runCheck(['terraform/plan.json'], {
      cwd,
      config: config(),
      asOf: new Date('2027-04-01T00:00:00Z'),
    });

    expect(lastDay).not.toContain('mandatory reject-iam-access-keys aws_iam_access_key.appliance[0]');
    expect(report.findings.find((f) => f.address === 'aws_iam_access_key.appliance[0]')?.message).toContain(
      'The exemption for "svc-vendor-appliance" expired on 2027-03-31; renew it',
    );
  });

  it('applies an account-bound exemption only where the input fixes that account (a CDK environment)', async () => {
    const bound = config([{ ...applianceExemption, user: 'ci-deployer', account: '123456789012' }]);

    const cdk = await summaryOf(['cdk.out'], bound);
    const otherAccount = await summaryOf(
      ['cdk.out'],
      config([{ ...applianceExemption, user: 'ci-deployer', account: '210987654321' }]),
    );

    expect(cdk).not.toContain('mandatory reject-iam-access-keys KeywardenAppStack/DeployerKey5E5A1D9C');
    expect(otherAccount).toContain('mandatory reject-iam-access-keys KeywardenAppStack/DeployerKey5E5A1D9C');
  });

  it('checks tags against the configured scope', async () => {
    const findings = await summaryOf(
      ['cloudformation/keys.yaml'],
      config([], { tagKey: 'keywarden:rotation', tagValue: 'Enabled' }),
    );

    expect(findings).toContain('mandatory require-valid-rotation-tags EnrolledUser');
    expect(findings).not.toContain('mandatory require-valid-rotation-tags AppUser');
  });

  it('names the file, the line and the remedy, in the words of the tool', async () => {
    const report = await runCheck(['cloudformation/keys.yaml'], { cwd, config: config(), asOf });

    expect(report.findings[1]).toEqual({
      policy: 'reject-iam-access-keys',
      level: 'mandatory',
      severity: 'critical',
      file: 'cloudformation/keys.yaml',
      line: 48,
      address: 'AppKey',
      resourceType: 'AWS::IAM::AccessKey',
      message:
        'AWS::IAM::AccessKey "AppKey" creates an Active access key for IAM user "app": nothing rotates it and its secret reaches whatever the template passes Fn::GetAtt SecretAccessKey to. Remove the AWS::IAM::AccessKey, tag the AWS::IAM::User with keywarden:rotation=enabled so keywarden issues and rotates its keys, and have the workload read the key from the Secrets Manager secret keywarden/<account-id>/app. If the key truly must stay, add an exemption for the user (user, reason, approvedBy, expiresOn) to the keywarden config (keywarden.yml).',
    });
  });

  it('exits 1 on a mandatory violation, and 0 when only advisories remain', async () => {
    const violations = await runCheck(['cloudformation/keys.yaml'], { cwd, config: config(), asOf });
    const advisories = { ...violations, summary: { ...violations.summary, mandatory: 0 } };

    expect(checkExitCode(violations)).toBe(1);
    expect(checkExitCode(advisories)).toBe(0);
  });

  it('checks a file named twice once', async () => {
    const report = await runCheck(['cloudformation/keys.yaml', './cloudformation/keys.yaml'], {
      cwd,
      config: config(),
      asOf,
    });

    expect(report.summary.inputs).toBe(1);
  });
});
