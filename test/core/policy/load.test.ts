import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../core/errors.js';
import { activeExemption } from '../../../core/policy/exemption.js';
import { defaultConfig, loadConfig } from '../../../core/policy/load.js';
import { configJsonSchema, parseConfig } from '../../../core/policy/schema.js';

const asOf = new Date('2026-11-28T09:00:00Z');
const exemption = {
  user: 'svc-vendor-appliance',
  reason: 'Appliance cannot reload keys; CAPA-2291',
  approvedBy: 'qa-lead@example.com',
  expiresOn: '2027-03-31',
};

/** The message of the UsageError that parsing `raw` throws (fails the test when nothing is thrown). */
function rejection(raw: unknown): string {
  try {
    parseConfig(raw, { asOf, origin: 'keywarden.yml' });
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('parseConfig', () => {
  it('fills every default from an empty config', () => {
    // Act
    const config = parseConfig({}, { asOf });

    // Assess
    expect(config).toEqual({
      maxKeyAgeDays: 90,
      warnDays: 14,
      unusedKeyDays: 45,
      rotation: { rotateAtDays: 80, deactivateAfterDays: 7, deleteAfterDays: 7, enforce: true },
      scope: { tagKey: 'keywarden:rotation', tagValue: 'enabled' },
      exemptions: [],
      frameworks: { cis: ['v7.0.0'] },
    });
  });

  it('takes the CIS benchmark versions findings carry, in the order given', () => {
    const config = parseConfig({ frameworks: { cis: ['v5.0.0', 'v7.0.0'] } }, { asOf });

    expect(config.frameworks.cis).toEqual(['v5.0.0', 'v7.0.0']);
  });

  it.each([
    [{ cis: ['v4.0.0'] }, 'frameworks.cis[0]: must be one of v7.0.0, v6.0.0, v5.0.0, v3.0.0'],
    [{ cis: ['v7.0.0', 'v7.0.0'] }, 'frameworks.cis: names a version twice'],
    [{ cis: 'v7.0.0' }, 'frameworks.cis:'],
    [{ nist: ['800-53'] }, 'frameworks: unknown key "nist"'],
  ])('refuses frameworks %j naming the field', (frameworks, message) => {
    expect(() => parseConfig({ frameworks }, { asOf })).toThrow(message);
  });

  it('accepts a config that sets every key', () => {
    const config = parseConfig(
      {
        maxKeyAgeDays: 90,
        warnDays: 14,
        unusedKeyDays: 45,
        rotation: { rotateAtDays: 80, deactivateAfterDays: 7, deleteAfterDays: 7, enforce: true },
        scope: { tagKey: 'keywarden:rotation', tagValue: 'enabled' },
        exemptions: [exemption],
      },
      { asOf },
    );

    expect(config.exemptions).toEqual([exemption]);
  });

  it('rejects an unknown key, naming it', () => {
    expect(rejection({ maxKeyAgeDay: 90 })).toBe('keywarden.yml: unknown key "maxKeyAgeDay"');
  });

  it('rejects an unknown key inside a section, with its path', () => {
    expect(rejection({ rotation: { rotateAt: 80 } })).toBe('keywarden.yml: rotation: unknown key "rotateAt"');
  });

  it('rejects a wrong type, naming the field', () => {
    expect(rejection({ maxKeyAgeDays: '90' })).toBe(
      'keywarden.yml: maxKeyAgeDays: must be a whole number of days from 1 to 3650',
    );
  });

  it('rejects a fractional number of days', () => {
    expect(rejection({ unusedKeyDays: 4.5 })).toBe(
      'keywarden.yml: unusedKeyDays: must be a whole number of days from 1 to 3650',
    );
  });

  it.each([
    ['maxKeyAgeDays 0', { maxKeyAgeDays: 0 }, 'maxKeyAgeDays: must be a whole number of days from 1 to 3650'],
    [
      'maxKeyAgeDays 3651',
      { maxKeyAgeDays: 3651 },
      'maxKeyAgeDays: must be a whole number of days from 1 to 3650',
    ],
    ['warnDays -1', { warnDays: -1 }, 'warnDays: must be a whole number of days from 0 to 3650'],
    [
      'rotation.deleteAfterDays 366',
      { rotation: { deleteAfterDays: 366 } },
      'rotation.deleteAfterDays: must be a whole number of days from 0 to 365',
    ],
  ])('rejects %s as out of range', (_case, raw, message) => {
    expect(rejection(raw)).toBe(`keywarden.yml: ${message}`);
  });

  it.each(['reason', 'approvedBy', 'expiresOn'] as const)('rejects an exemption without %s', (field) => {
    // Prepare
    const { [field]: _dropped, ...incomplete } = exemption;

    // Act
    const message = rejection({ exemptions: [incomplete] });

    // Assess
    expect(message).toMatch(new RegExp(`^keywarden\\.yml: exemptions\\[0\\]\\.${field}: `));
  });

  it('rejects an exemption with an empty reason', () => {
    expect(rejection({ exemptions: [{ ...exemption, reason: '' }] })).toMatch(/exemptions\[0\]\.reason/);
  });

  it('refuses an exemption for the root account, naming the field and why', () => {
    expect(rejection({ exemptions: [{ ...exemption, user: '<root_account>' }] })).toBe(
      'keywarden.yml: exemptions[0].user: the root account cannot be exempted: no root access key may exist (CIS v7.0.0 2.4, Security Hub IAM.4)',
    );
  });

  it('rejects an expiry that is not a calendar date', () => {
    expect(rejection({ exemptions: [{ ...exemption, expiresOn: '2027-02-30' }] })).toMatch(
      /exemptions\[0\]\.expiresOn: must be a real calendar date/,
    );
  });

  it('accepts an exemption expiring exactly 365 days ahead', () => {
    const config = parseConfig({ exemptions: [{ ...exemption, expiresOn: '2027-11-28' }] }, { asOf });

    expect(config.exemptions).toHaveLength(1);
  });

  it('rejects an exemption expiring more than 365 days ahead', () => {
    expect(rejection({ exemptions: [{ ...exemption, expiresOn: '2027-11-29' }] })).toBe(
      'keywarden.yml: exemptions[0].expiresOn: 2027-11-29 is more than 365 days ahead; exemptions must be re-approved at least yearly',
    );
  });

  it('accepts an exemption that has already expired (it simply no longer applies)', () => {
    const config = parseConfig({ exemptions: [{ ...exemption, expiresOn: '2025-01-31' }] }, { asOf });

    expect(config.exemptions[0]?.expiresOn).toBe('2025-01-31');
  });

  it('rejects rotateAtDays + deactivateAfterDays beyond maxKeyAgeDays', () => {
    expect(rejection({ rotation: { rotateAtDays: 85, deactivateAfterDays: 6 } })).toBe(
      'keywarden.yml: rotation.rotateAtDays: rotateAtDays (85) + deactivateAfterDays (6) must not exceed maxKeyAgeDays (90), or an old key goes overdue while still active',
    );
  });

  it('accepts rotateAtDays + deactivateAfterDays equal to maxKeyAgeDays', () => {
    const config = parseConfig({ rotation: { rotateAtDays: 83, deactivateAfterDays: 7 } }, { asOf });

    expect(config.rotation.rotateAtDays).toBe(83);
  });

  it.each([90, 91])('rejects warnDays %i, not less than maxKeyAgeDays 90', (warnDays) => {
    expect(rejection({ warnDays })).toBe('keywarden.yml: warnDays: must be less than maxKeyAgeDays (90)');
  });

  it('names every bad field at once', () => {
    const message = rejection({ maxKeyAgeDays: 'x', bogus: true });

    expect(message).toContain('maxKeyAgeDays');
    expect(message).toContain('"bogus"');
  });
});

describe('activeExemption', () => {
  const exemptions = [{ ...exemption, expiresOn: '2026-11-28' }];

  it('applies through the last second of its UTC expiry date', () => {
    expect(
      activeExemption(exemptions, exemption.user, '123456789012', new Date('2026-11-28T23:59:59.999Z')),
    ).toBeDefined();
  });

  it('no longer applies from the next UTC day', () => {
    expect(
      activeExemption(exemptions, exemption.user, '123456789012', new Date('2026-11-29T00:00:00Z')),
    ).toBeUndefined();
  });

  it('applies only in its account when it names one', () => {
    const scoped = [{ ...exemption, account: '111111111111' }];

    expect(activeExemption(scoped, exemption.user, '111111111111', asOf)).toBeDefined();
    expect(activeExemption(scoped, exemption.user, '222222222222', asOf)).toBeUndefined();
  });
});

describe('loadConfig', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'keywarden-config-'));

  it('picks up keywarden.yml from the working directory', async () => {
    // Prepare
    const cwd = dir();
    writeFileSync(join(cwd, 'keywarden.yml'), 'maxKeyAgeDays: 60\nrotation:\n  rotateAtDays: 50\n');

    // Act
    const { config, origin } = await loadConfig({ asOf, cwd });

    // Assess
    expect(origin).toBe('keywarden.yml');
    expect(config.maxKeyAgeDays).toBe(60);
  });

  it('reads an unquoted YAML date as the exemption date string', async () => {
    const cwd = dir();
    writeFileSync(
      join(cwd, 'policy.yml'),
      'exemptions:\n  - user: u\n    reason: r\n    approvedBy: a\n    expiresOn: 2027-03-31\n',
    );

    const { config } = await loadConfig({ file: 'policy.yml', asOf, cwd });

    expect(config.exemptions[0]?.expiresOn).toBe('2027-03-31');
  });

  it('accepts a JSON config', async () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'keywarden.json'), '{"warnDays": 10}');

    const { config } = await loadConfig({ asOf, cwd });

    expect(config.warnDays).toBe(10);
  });

  it('uses the defaults when there is no config file', async () => {
    const { config, origin } = await loadConfig({ asOf, cwd: dir() });

    expect(origin).toBeNull();
    expect(config.maxKeyAgeDays).toBe(90);
  });

  it('gives without a file exactly what the schema gives for an empty config', async () => {
    // Without a file or an override the loader skips the schema: its defaults must be the schema's, key for key.
    const { config } = await loadConfig({ asOf, cwd: dir() });

    expect(config).toStrictEqual(parseConfig({}, { asOf }));
    expect(JSON.stringify(config)).toBe(JSON.stringify(parseConfig({}, { asOf })));
    expect(defaultConfig()).not.toBe(defaultConfig());
  });

  it('validates an override even without a file', async () => {
    await expect(loadConfig({ asOf, cwd: dir(), overrides: { warnDays: 90 } })).rejects.toThrow(
      'config (defaults) with warnDays=90: warnDays: must be less than maxKeyAgeDays (90)',
    );
  });

  it('lets an override win over the file', async () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'keywarden.yml'), 'warnDays: 20\n');

    const { config } = await loadConfig({ asOf, cwd, overrides: { warnDays: 5, maxKeyAgeDays: undefined } });

    expect(config.warnDays).toBe(5);
    expect(config.maxKeyAgeDays).toBe(90);
  });

  it('names the override when it breaks a rule that the file keeps', async () => {
    // Prepare: the file sets the rotation steps explicitly; they fit 90 days, not 60.
    const cwd = dir();
    writeFileSync(join(cwd, 'keywarden.yml'), 'rotation:\n  rotateAtDays: 80\n');

    await expect(loadConfig({ asOf, cwd, overrides: { maxKeyAgeDays: 60 } })).rejects.toThrow(
      /^keywarden\.yml with maxKeyAgeDays=60: rotation\.rotateAtDays: rotateAtDays \(80\)/,
    );
  });

  it('derives unset rotation steps from --max-age-days 60 without a config file (issue 22 item 1)', async () => {
    // Act
    const { config } = await loadConfig({ asOf, cwd: dir(), overrides: { maxKeyAgeDays: 60 } });

    // Assess: the replacement 10 days before the limit, the old key deactivated 7 days after it.
    expect(config.maxKeyAgeDays).toBe(60);
    expect(config.rotation).toMatchObject({ rotateAtDays: 50, deactivateAfterDays: 7, deleteAfterDays: 7 });
  });

  it('derives rotation steps that keep the rule for every maxKeyAgeDays, and today’s 80/7 from 90 up', () => {
    for (let maxKeyAgeDays = 1; maxKeyAgeDays <= 3650; maxKeyAgeDays++) {
      const { rotation } = parseConfig({ maxKeyAgeDays, warnDays: 0 }, { asOf });
      expect(rotation.rotateAtDays + rotation.deactivateAfterDays).toBeLessThanOrEqual(maxKeyAgeDays);
      if (maxKeyAgeDays >= 90) expect(rotation).toMatchObject({ rotateAtDays: 80, deactivateAfterDays: 7 });
    }
  });

  it('still checks rotation values a config file sets explicitly', async () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'keywarden.yml'), 'maxKeyAgeDays: 60\nrotation:\n  deactivateAfterDays: 60\n');

    await expect(loadConfig({ asOf, cwd })).rejects.toThrow(
      /keywarden\.yml: rotation\.rotateAtDays: rotateAtDays \(\d+\) \+ deactivateAfterDays \(60\) must not exceed maxKeyAgeDays \(60\)/,
    );
  });

  it('gives a broken YAML file’s error with its line and column', async () => {
    const cwd = dir();
    writeFileSync(
      join(cwd, 'keywarden.yml'),
      'maxKeyAgeDays: 90\nwarnDays: 14\nrotation:\n  rotateAtDays: [80\n',
    );

    await expect(loadConfig({ asOf, cwd })).rejects.toThrow(
      /^keywarden\.yml:\d+:\d+: not valid YAML or JSON: /,
    );
  });

  it('refuses a missing explicit config file', async () => {
    await expect(loadConfig({ file: 'nope.yml', asOf, cwd: dir() })).rejects.toThrow(
      'nope.yml: cannot read config file (no such file)',
    );
  });

  it('refuses text that is not YAML', async () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'keywarden.yml'), 'maxKeyAgeDays: [90\n');

    await expect(loadConfig({ asOf, cwd })).rejects.toThrow(/^keywarden\.yml:2:1: not valid YAML or JSON: /);
  });

  it('refuses a YAML list where settings belong', async () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'keywarden.yml'), '- maxKeyAgeDays: 90\n');

    await expect(loadConfig({ asOf, cwd })).rejects.toThrow(
      'keywarden.yml: must be a mapping of settings, not a list',
    );
  });
});

describe('configJsonSchema', () => {
  it('describes the config as people write it, with defaults and limits', () => {
    // Act
    const schema = configJsonSchema() as {
      $schema: string;
      type: string;
      additionalProperties: boolean;
      required?: string[];
      properties: Record<string, { default?: unknown; minimum?: number; maximum?: number; type?: string }>;
    };

    // Assess
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required ?? []).toEqual([]);
    expect(Object.keys(schema.properties).sort()).toEqual(
      [
        'exemptions',
        'frameworks',
        'maxKeyAgeDays',
        'rotation',
        'scope',
        'trail',
        'unusedKeyDays',
        'warnDays',
      ].sort(),
    );
    expect(schema.properties.maxKeyAgeDays).toMatchObject({ type: 'integer', default: 90, minimum: 1 });
  });

  it('requires reason, approver and expiry of each exemption', () => {
    const schema = configJsonSchema() as {
      properties: { exemptions: { items: { required: string[]; additionalProperties: boolean } } };
    };

    expect(schema.properties.exemptions.items.required.sort()).toEqual([
      'approvedBy',
      'expiresOn',
      'reason',
      'user',
    ]);
    expect(schema.properties.exemptions.items.additionalProperties).toBe(false);
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(configJsonSchema()))).toEqual(configJsonSchema());
  });
});
