import { describe, expect, it } from 'vitest';
import { requireValidRotationTags } from '../../../policypack/policies/require-valid-rotation-tags.js';
import { UNKNOWN } from '../../support/policy-harness.js';
import { runResourcePolicy } from '../fixtures.js';

const user = (tags: Record<string, string> | undefined) => ({
  type: 'aws:iam/user:User',
  name: 'alice',
  inputs: { name: 'alice', ...(tags && { tags }) },
});

describe('require-valid-rotation-tags', () => {
  it('accepts a user enrolled with the exact tag', () => {
    const outcome = runResourcePolicy(
      requireValidRotationTags,
      user({ 'keywarden:rotation': 'enabled', team: 'a' }),
    );

    expect(outcome).toEqual({ violations: [] });
  });

  it('does not apply to a user without the rotation tag', () => {
    const outcome = runResourcePolicy(requireValidRotationTags, user({ team: 'a' }));

    expect(outcome.notApplicable).toBe('the user carries no keywarden:rotation tag');
  });

  it('does not apply to a user without tags', () => {
    expect(runResourcePolicy(requireValidRotationTags, user(undefined)).notApplicable).toBeDefined();
  });

  it('rejects a value that differs from the configured one, showing the tag to write', () => {
    const outcome = runResourcePolicy(requireValidRotationTags, user({ 'keywarden:rotation': 'Enabled' }));

    expect(outcome.violations.map((v) => v.message)).toEqual([
      'IAM user "alice" is tagged "keywarden:rotation"="Enabled", which keywarden does not recognise, so its keys are not rotated: write the tag exactly as keywarden:rotation=enabled, or remove it.',
    ]);
  });

  it('rejects a key spelt with other capitals or spaces', () => {
    const outcome = runResourcePolicy(requireValidRotationTags, user({ 'Keywarden:Rotation ': 'enabled' }));

    expect(outcome.violations[0]!.message).toContain('tagged "Keywarden:Rotation "="enabled"');
  });

  it('checks against the configured scope', () => {
    const config = { scope: { tagKey: 'rotation', tagValue: 'managed' } };

    const good = runResourcePolicy(requireValidRotationTags, user({ rotation: 'managed' }), config);
    const bad = runResourcePolicy(requireValidRotationTags, user({ rotation: 'enabled' }), config);

    expect(good.violations).toEqual([]);
    expect(bad.violations[0]!.message).toContain('write the tag exactly as rotation=managed');
  });

  it('defers to the analyzer when the tag value is unknown during preview', () => {
    const outcome = runResourcePolicy(requireValidRotationTags, user({ 'keywarden:rotation': UNKNOWN }));

    expect(outcome.unknownValue).toContain('tags.keywarden:rotation');
  });
});
