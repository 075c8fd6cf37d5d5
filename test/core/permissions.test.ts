import { describe, expect, it } from 'vitest';
import { actionsFor, PERMISSIONS, policyFor } from '../../core/permissions.js';

describe('permissions', () => {
  it('lists each action once, sorted', () => {
    const actions = actionsFor('audit', 'rotate');
    expect(actions).toEqual([...new Set(actions)].sort());
    expect(actions).toContain('iam:CreateAccessKey');
    expect(actions).not.toContain('secretsmanager:GetSecretValue');
  });

  it('never grants reading a secret value to keywarden itself', () => {
    const all = Object.values(PERMISSIONS)
      .flat()
      .map((p) => p.action);
    expect(all).not.toContain('secretsmanager:GetSecretValue');
  });

  it('builds a policy whose key mutations are limited to users carrying the scope tag', () => {
    const statements = policyFor(['rotate', 'trail-s3'], {
      account: '123456789012',
      region: 'eu-west-1',
      topicArn: 'arn:aws:sns:eu-west-1:123456789012:keywarden',
      trailBucket: 'trail-bucket',
      scope: { tagKey: 'keywarden:rotation', tagValue: 'enabled' },
    });
    const scoped = statements.find((s) => s.Action.includes('iam:CreateAccessKey'));
    expect(scoped?.Condition).toEqual({ StringEquals: { 'iam:ResourceTag/keywarden:rotation': 'enabled' } });
    expect(scoped?.Resource).toEqual(['arn:aws:iam::123456789012:user/*']);
    const secrets = statements.find((s) => s.Action.includes('secretsmanager:PutSecretValue'));
    expect(secrets?.Resource).toEqual([
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:keywarden/123456789012/*',
    ]);
    expect(statements.flatMap((s) => s.Action)).not.toContain('kms:Decrypt');
    expect(statements.find((s) => s.Action.includes('s3:PutObject'))?.Resource).toEqual([
      'arn:aws:s3:::trail-bucket/trail/*',
    ]);
  });
});
