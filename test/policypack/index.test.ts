import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../core/policy/schema.js';
import { type RunningPack, startPolicyPack, UNKNOWN } from '../support/policy-harness.js';
import { changing, compliantRotationStack } from './fixtures.js';

// The pack as the Pulumi CLI runs it: its bundled entry under run-policy-pack, spoken to over gRPC.
let pack: RunningPack;
beforeAll(async () => {
  pack = await startPolicyPack('policypack', { env: { KEYWARDEN_AS_OF: '2026-11-28T09:00:00Z' } });
});
afterAll(async () => {
  await pack?.close();
});

const accessKey = (user: string) => ({
  type: 'aws:iam/accessKey:AccessKey',
  name: `${user}-key`,
  urn: `urn:pulumi:dev::app::aws:iam/accessKey:AccessKey::${user}-key`,
  inputs: { user },
});
const exemption = {
  user: 'alice',
  reason: 'CAPA-2291',
  approvedBy: 'qa-lead@example.com',
  expiresOn: '2027-03-31',
};

describe('the policy pack over the analyzer protocol', () => {
  it('describes itself and every policy, with the core config schema as each config schema', async () => {
    // Act
    const info = await pack.info();

    // Assess
    expect(info).toMatchObject({ name: 'keywarden', version: '0.1.0', supportsConfig: true });
    expect(info.policies.map((p) => [p.name, p.enforcementLevel, p.severity])).toEqual([
      ['reject-iam-access-keys', 'mandatory', 'critical'],
      ['require-valid-rotation-tags', 'mandatory', 'high'],
      ['require-daily-rotation-schedule', 'mandatory', 'high'],
      ['require-quarantine-rotation-rule', 'mandatory', 'high'],
      ['require-rotation-log-retention', 'mandatory', 'medium'],
      ['require-worm-trail-bucket', 'mandatory', 'high'],
      ['require-rotation-lease-bucket', 'mandatory', 'high'],
      ['restrict-rotation-role-permissions', 'mandatory', 'critical'],
      ['restrict-audit-role-permissions', 'mandatory', 'high'],
    ]);
    const coreProperties = (configJsonSchema() as { properties: unknown }).properties;
    const withSchema = info.policies.filter((p) => p.configSchema);
    expect(withSchema.map((p) => p.name)).not.toContain('require-daily-rotation-schedule');
    for (const policy of withSchema) expect(policy.configSchema?.properties).toEqual(coreProperties);
    expect(info.policies[0]!.framework).toMatchObject({ name: '21 CFR Part 11', reference: '11.300(b)' });
  });

  it('rejects an access key as mandatory and says which other resource types each policy is for', async () => {
    await pack.configure({});

    const keyAnalysis = await pack.analyze(accessKey('alice'));
    const bucketAnalysis = await pack.analyze({
      type: 'aws:s3/bucket:Bucket',
      name: 'b',
      urn: 'urn:pulumi:dev::app::aws:s3/bucket:Bucket::b',
      inputs: {},
    });

    expect(keyAnalysis.diagnostics).toEqual([
      expect.objectContaining({
        policyName: 'reject-iam-access-keys',
        enforcementLevel: 'mandatory',
        severity: 'critical',
        message: expect.stringContaining('tag the aws.iam.User with keywarden:rotation=enabled'),
      }),
    ]);
    expect(bucketAnalysis).toEqual({
      diagnostics: [],
      notApplicable: [
        {
          policyName: 'reject-iam-access-keys',
          reason: "Policy only applies to resources of type 'aws:iam/accessKey:AccessKey'",
        },
        {
          policyName: 'require-valid-rotation-tags',
          reason: "Policy only applies to resources of type 'aws:iam/user:User'",
        },
      ],
    });
  });

  it('honours an exemption, an enforcement level and a disabled policy from the config', async () => {
    await pack.configure({ 'reject-iam-access-keys': { exemptions: [exemption] } });
    const exempt = await pack.analyze(accessKey('alice'));
    const notExempt = await pack.analyze(accessKey('bob'));
    await pack.configure({ 'reject-iam-access-keys': 'advisory' });
    const advisory = await pack.analyze(accessKey('bob'));
    await pack.configure({ 'reject-iam-access-keys': 'disabled' });
    const disabled = await pack.analyze(accessKey('bob'));

    expect(exempt.diagnostics).toEqual([]);
    expect(notExempt.diagnostics.map((d) => d.enforcementLevel)).toEqual(['mandatory']);
    expect(advisory.diagnostics.map((d) => d.enforcementLevel)).toEqual(['advisory']);
    expect(disabled.diagnostics).toEqual([]);
  });

  it('answers an invalid config with one violation naming the field, not an analyzer error', async () => {
    await pack.configure({ 'reject-iam-access-keys': { maxKeyAgeDays: 90, warnDays: 90 } });

    const analysis = await pack.analyze(accessKey('alice'));

    expect(analysis.diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining(
        'config of policy reject-iam-access-keys: warnDays: must be less than maxKeyAgeDays (90)',
      ),
    ]);
  });

  it('turns a value unknown during preview into an advisory, never a crash', async () => {
    await pack.configure({ 'reject-iam-access-keys': { exemptions: [exemption] } });

    const analysis = await pack.analyze(accessKey(UNKNOWN));

    expect(analysis.diagnostics).toEqual([
      expect.objectContaining({
        enforcementLevel: 'advisory',
        message: expect.stringContaining(
          "can't run policy 'reject-iam-access-keys' from policy pack 'keywarden@v0.1.0' during preview: string value at .user can't be known during preview",
        ),
      }),
    ]);
  });

  it('passes a compliant rotation stack and rejects a weakened one with each resource named', async () => {
    await pack.configure({});
    const weakened = changing(
      changing(compliantRotationStack(), 'rotation-logs', (g) => ({ ...g, retentionInDays: 1 })),
      'rotation-daily',
      (s) => ({ ...s, scheduleExpression: 'rate(7 days)' }),
    );

    const compliant = await pack.analyzeStack(compliantRotationStack());
    const rejected = await pack.analyzeStack(weakened);

    expect(compliant).toEqual({ diagnostics: [], notApplicable: [] });
    expect(rejected.diagnostics.map((d) => [d.policyName, d.enforcementLevel, d.urn])).toEqual([
      [
        'require-daily-rotation-schedule',
        'mandatory',
        'urn:pulumi:dev::rotation::aws:lambda/function:Function::rotation',
      ],
      [
        'require-rotation-log-retention',
        'mandatory',
        'urn:pulumi:dev::rotation::aws:cloudwatch/logGroup:LogGroup::rotation-logs',
      ],
    ]);
  });

  // The stack checks that judge the rotation function's stack: schedule, quarantine rule, log retention, trail
  // bucket, lease bucket, the rotation role's permissions.
  const ROTATION_STACK_CHECKS = 6;

  it('finds the stack checks not applicable to a stack without the rotation function', async () => {
    await pack.configure({});
    const appOnly = compliantRotationStack().filter((r) => r.type !== 'aws:lambda/function:Function');
    const otherFunction = changing(compliantRotationStack(), 'rotation', (fn) => ({ ...fn, tags: {} }));

    const withoutFunctions = await pack.analyzeStack(appOnly);
    const withUntaggedFunction = await pack.analyzeStack(otherFunction);

    expect(withoutFunctions.notApplicable.map((n) => n.reason)).toEqual(
      Array(ROTATION_STACK_CHECKS).fill(
        "Policy only applies to resources of type 'aws:lambda/function:Function'",
      ),
    );
    expect(withUntaggedFunction.diagnostics).toEqual([]);
    expect(withUntaggedFunction.notApplicable).toHaveLength(ROTATION_STACK_CHECKS);
    expect(withUntaggedFunction.notApplicable[0]!.reason).toContain('no keywarden rotation function');
  });

  it('writes nothing to stderr while it works', () => {
    expect(pack.stderr()).toBe('');
  });
});
