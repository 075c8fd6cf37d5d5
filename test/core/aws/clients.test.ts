import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  clientConfig,
  describeRegionSource,
  loadRegion,
  requireRegion,
  resolveRegion,
} from '../../../core/aws/clients.js';
import { UsageError } from '../../../core/errors.js';

const profiles = {
  default: { region: 'eu-west-1' },
  residency: { region: 'eu-central-1' },
  bare: {},
};

describe('resolveRegion', () => {
  it('takes --region over the environment, the environment over the profile', () => {
    const env = { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'ap-south-1', AWS_PROFILE: 'residency' };
    const input = { env, configFile: profiles, global: false };

    expect(resolveRegion({ ...input, flag: 'ca-central-1' })).toEqual({
      region: 'ca-central-1',
      source: { kind: 'flag' },
      profile: 'residency',
    });
    expect(resolveRegion(input).source).toEqual({ kind: 'environment', variable: 'AWS_REGION' });
    expect(resolveRegion({ ...input, env: { ...env, AWS_REGION: '' } })).toMatchObject({
      region: 'ap-south-1',
      source: { kind: 'environment', variable: 'AWS_DEFAULT_REGION' },
    });
  });

  it('reads the region of the profile the SDK uses: --profile, else AWS_PROFILE, else default', () => {
    const base = { configFile: profiles, global: false };

    expect(resolveRegion({ ...base, env: { AWS_PROFILE: 'residency' } })).toEqual({
      region: 'eu-central-1',
      source: { kind: 'profile', profile: 'residency' },
      profile: 'residency',
    });
    expect(resolveRegion({ ...base, env: { AWS_PROFILE: 'residency' }, profileFlag: 'default' }).region).toBe(
      'eu-west-1',
    );
    expect(resolveRegion({ ...base, env: {} }).region).toBe('eu-west-1');
  });

  it('falls back to us-east-1 only for the global services, and says so', () => {
    const base = { configFile: profiles, env: { AWS_PROFILE: 'bare' } };

    const global = resolveRegion({ ...base, global: true });
    const regional = resolveRegion({ ...base, global: false });

    expect(global).toMatchObject({ region: 'us-east-1', source: { kind: 'global-fallback' } });
    expect(describeRegionSource(global.source)).toContain('used only for the global services IAM and STS');
    expect(regional).toEqual({ region: null, source: null, profile: 'bare' });
  });
});

describe('region of the clients', () => {
  const configFile = () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keywarden-aws-')), 'config');
    writeFileSync(file, '[profile residency]\nregion = eu-central-1\n[profile bare]\noutput = json\n');
    return file;
  };

  it('reads the profile through the SDK’s own loader', async () => {
    const env = {
      AWS_PROFILE: 'residency',
      AWS_CONFIG_FILE: configFile(),
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };

    expect(await loadRegion({ env })).toMatchObject({ region: 'eu-central-1', source: { kind: 'profile' } });
  });

  it('gives a region-bound client a usage error saying how to set a region, never us-east-1', async () => {
    const env = {
      AWS_PROFILE: 'bare',
      AWS_CONFIG_FILE: configFile(),
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    const regional = clientConfig({ env });
    const global = clientConfig({ env, global: true });

    await expect((regional.region as () => Promise<string>)()).rejects.toThrow(UsageError);
    await expect(requireRegion({ env }, 'keywarden rotate')).rejects.toThrow(
      'no AWS region for keywarden rotate: set one with --region, AWS_REGION, or a region in your AWS profile',
    );
    expect(await (global.region as () => Promise<string>)()).toBe('us-east-1');
  });

  it('passes --profile to the SDK and never invents one', () => {
    expect(clientConfig({ env: {}, profile: 'ops' })).toMatchObject({ profile: 'ops' });
    expect(clientConfig({ env: {} })).not.toHaveProperty('profile');
    expect(clientConfig({ env: {}, region: 'eu-west-3' }).region).toBe('eu-west-3');
  });

  it('refuses an invalid KEYWARDEN_AWS_MAX_ATTEMPTS even when the caller fixes the attempts', () => {
    expect(() => clientConfig({ env: { KEYWARDEN_AWS_MAX_ATTEMPTS: '0' }, maxAttempts: 1 })).toThrow(
      'KEYWARDEN_AWS_MAX_ATTEMPTS="0" is not valid: use a whole number from 1 to 20',
    );
    expect(clientConfig({ env: { KEYWARDEN_AWS_MAX_ATTEMPTS: '3' } }).maxAttempts).toBe(3);
  });
});
