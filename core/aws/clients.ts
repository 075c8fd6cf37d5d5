import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { loadSharedConfigFiles } from '@smithy/core/config';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { type EnvRecord, envWholeNumber } from '../env.js';
import { UsageError } from '../errors.js';

/**
 * The SDK chooses region and credentials; keywarden only adds what a person asked for (`--region`,
 * `--profile`) and, for the global services IAM and STS only, a region to sign with when none is
 * configured. Precedence (docs/operations.md, "Credentials, region and debugging"):
 *   --region > AWS_REGION > AWS_DEFAULT_REGION > the profile's `region` > us-east-1 (IAM/STS only).
 * Region-bound services (Secrets Manager, SNS, S3) never fall back: no region is a usage error.
 * Endpoints come from the SDK's own AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> handling.
 */
export const GLOBAL_SERVICE_REGION = 'us-east-1';

export const MAX_ATTEMPTS = { min: 1, max: 20, default: 8 } as const;

export interface AwsClientOptions {
  /** Total attempts per call, adaptive retry mode (client-side rate limiting on throttling). */
  maxAttempts?: number;
  /** `--region`: wins over the environment and the profile. */
  region?: string | undefined;
  /** `--profile`: the profile the SDK's chain reads (credentials and region). */
  profile?: string | undefined;
  /** Explicit credentials (an assumed role); otherwise the SDK's default chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  /**
   * The environment the SDK reads (AWS_REGION, AWS_PROFILE, AWS_CONFIG_FILE …) and KEYWARDEN_AWS_MAX_ATTEMPTS.
   * Edges pass theirs; the default is this process's, which is the one the SDK itself reads.
   */
  env?: EnvRecord | undefined;
  /** IAM and STS: global services, which may sign with us-east-1 when no region is configured. */
  global?: boolean;
}

/** Where a region came from, for `doctor` and for error messages. */
export type RegionSource =
  | { kind: 'flag' }
  | { kind: 'environment'; variable: 'AWS_REGION' | 'AWS_DEFAULT_REGION' }
  | { kind: 'profile'; profile: string }
  | { kind: 'global-fallback' };

export interface ResolvedRegion {
  region: string | null;
  source: RegionSource | null;
  /** The profile the SDK's chain reads: --profile, else AWS_PROFILE, else "default". */
  profile: string;
}

/** Profile name → its settings, as the SDK's own ini loader returns them. */
export type ProfileSettings = Readonly<Record<string, Readonly<Record<string, string | undefined>>>>;

export interface RegionInputs {
  flag?: string | undefined;
  profileFlag?: string | undefined;
  env: EnvRecord;
  /** Parsed `config` and `credentials` files (the config file wins, as in the SDK). */
  configFile: ProfileSettings;
  credentialsFile?: ProfileSettings;
  global: boolean;
}

/** Pure: which region a client uses and where it came from. */
export function resolveRegion(inputs: RegionInputs): ResolvedRegion {
  const profile = profileName(inputs.profileFlag, inputs.env);
  const pick = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
  const flag = pick(inputs.flag);
  if (flag) return { region: flag, source: { kind: 'flag' }, profile };
  for (const variable of ['AWS_REGION', 'AWS_DEFAULT_REGION'] as const) {
    const value = pick(inputs.env[variable]);
    if (value) return { region: value, source: { kind: 'environment', variable }, profile };
  }
  const fromProfile = pick(inputs.configFile[profile]?.region ?? inputs.credentialsFile?.[profile]?.region);
  if (fromProfile) return { region: fromProfile, source: { kind: 'profile', profile }, profile };
  if (inputs.global) return { region: GLOBAL_SERVICE_REGION, source: { kind: 'global-fallback' }, profile };
  return { region: null, source: null, profile };
}

export function profileName(flag: string | undefined, env: EnvRecord): string {
  return flag?.trim() || env.AWS_PROFILE?.trim() || 'default';
}

/** One phrase for a region's origin ("from AWS_REGION", "from profile eu in ~/.aws/config" …). */
export function describeRegionSource(source: RegionSource | null): string {
  if (!source) return 'not configured';
  switch (source.kind) {
    case 'flag':
      return 'from --region';
    case 'environment':
      return `from ${source.variable}`;
    case 'profile':
      return `from profile ${source.profile} in the AWS config file`;
    case 'global-fallback':
      return 'no region configured: us-east-1, used only for the global services IAM and STS';
  }
}

export const NO_REGION_FIX =
  'set one with --region, AWS_REGION, or a region in your AWS profile (aws configure set region eu-central-1)';

/** The environment a client is configured from: the edge's, else this process's (the one the SDK reads). */
export function environmentOf(options: AwsClientOptions): EnvRecord {
  // The SDK reads this same process environment itself; only the edges inject another.
  return options.env ?? process.env;
}

/**
 * The shape of every AWS region name, in every partition (us-east-1, us-gov-west-1, cn-north-1, us-isob-east-1,
 * eu-isoe-west-1, eusc-de-east-1 …): a short area, an optional qualifier, a direction word, a number. Checked by
 * shape, not against a list: a list (even the SDK's partition data) would refuse a region AWS opens after this
 * release, and the SDK's own check accepts any host label (`mars-1`), which then fails at the network.
 */
const REGION_SHAPE = /^[a-z]{2,4}(-[a-z]{2,5})?-[a-z]+-\d{1,2}$/;

/** Where a region came from, as a person names it in a message (`--region`, `AWS_REGION`, a profile). */
function regionOrigin(source: RegionSource): string {
  switch (source.kind) {
    case 'flag':
      return '--region';
    case 'environment':
      return source.variable;
    case 'profile':
      return `the region of profile ${source.profile}`;
    case 'global-fallback':
      return 'the fallback region';
  }
}

/** Why `region` cannot be an AWS region, naming where it came from; null when it has a region's shape. */
export function regionProblem(region: string, source: RegionSource): string | null {
  return REGION_SHAPE.test(region)
    ? null
    : `${regionOrigin(source)} "${region}" is not an AWS region name (one looks like eu-central-1)`;
}

async function sharedConfigFiles(env: EnvRecord) {
  return loadSharedConfigFiles({
    ...(env.AWS_CONFIG_FILE ? { configFilepath: env.AWS_CONFIG_FILE } : {}),
    ...(env.AWS_SHARED_CREDENTIALS_FILE ? { filepath: env.AWS_SHARED_CREDENTIALS_FILE } : {}),
  });
}

/**
 * Refuses, before anything calls AWS, what cannot be right: a region (from --region, the environment or the
 * profile) that is not a region name, and a profile named by --profile or AWS_PROFILE that neither AWS file has
 * (the SDK would only say "Could not load credentials from any providers"). Every command that calls AWS, and
 * doctor, call it first; a UsageError names the option.
 */
export async function checkAwsOptions(options: AwsClientOptions = {}): Promise<void> {
  const flag = options.region?.trim();
  const flagProblem = flag ? regionProblem(flag, { kind: 'flag' }) : null;
  if (flagProblem) throw new UsageError(flagProblem);
  const env = environmentOf(options);
  const files = await sharedConfigFiles(env);
  const named = options.profile?.trim() || env.AWS_PROFILE?.trim();
  if (named && !Object.hasOwn(files.configFile, named) && !Object.hasOwn(files.credentialsFile, named)) {
    const origin = options.profile?.trim() ? '--profile' : 'AWS_PROFILE';
    throw new UsageError(
      `the config profile (${named}) could not be found in ${env.AWS_CONFIG_FILE || '~/.aws/config'} or ${env.AWS_SHARED_CREDENTIALS_FILE || '~/.aws/credentials'} (named by ${origin}): check its spelling (aws configure list-profiles)`,
    );
  }
  const resolved = resolveFromFiles(options, env, files);
  const problem = resolved.region && resolved.source ? regionProblem(resolved.region, resolved.source) : null;
  if (problem) throw new UsageError(problem);
}

function resolveFromFiles(
  options: AwsClientOptions,
  env: EnvRecord,
  files: Awaited<ReturnType<typeof sharedConfigFiles>>,
): ResolvedRegion {
  return resolveRegion({
    flag: options.region,
    profileFlag: options.profile,
    env,
    configFile: files.configFile,
    credentialsFile: files.credentialsFile,
    global: options.global ?? false,
  });
}

/** Reads the AWS config files through the SDK's own loader, then resolves as `resolveRegion`. */
export async function loadRegion(options: AwsClientOptions = {}): Promise<ResolvedRegion> {
  const env = environmentOf(options);
  return resolveFromFiles(options, env, await sharedConfigFiles(env));
}

/** The region a region-bound client will use; a usage error saying how to set one when there is none. */
export async function requireRegion(options: AwsClientOptions = {}, what = 'this command'): Promise<string> {
  const resolved = await loadRegion({ ...options, global: false });
  if (!resolved.region) throw new UsageError(`no AWS region for ${what}: ${NO_REGION_FIX}`);
  return resolved.region;
}

/** SDK client configuration: retries from KEYWARDEN_AWS_MAX_ATTEMPTS, region and profile as above. */
export function clientConfig(options: AwsClientOptions = {}) {
  const env = environmentOf(options);
  // Read (and so checked) even when the caller fixes the attempts: a bad value is never silently ignored.
  const fromEnv = envWholeNumber(env, 'KEYWARDEN_AWS_MAX_ATTEMPTS', MAX_ATTEMPTS, MAX_ATTEMPTS.default);
  const maxAttempts = options.maxAttempts ?? fromEnv;
  const region = options.region?.trim()
    ? options.region.trim()
    : async () => {
        const resolved = await loadRegion(options);
        if (!resolved.region || !resolved.source) throw new UsageError(`no AWS region: ${NO_REGION_FIX}`);
        const problem = regionProblem(resolved.region, resolved.source);
        if (problem) throw new UsageError(problem);
        return resolved.region;
      };
  return {
    region,
    retryMode: 'adaptive' as const,
    maxAttempts,
    // --profile, or the injected environment's AWS_PROFILE: the profile the SDK would read anyway.
    ...(options.profile || env.AWS_PROFILE ? { profile: options.profile || env.AWS_PROFILE } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.profile?.trim() ? { logger: PROFILE_FLAG_LOGGER } : {}),
  };
}

/**
 * The SDK's logger when `--profile` names the profile: silent, as the SDK's default NoOpLogger is, but not that
 * class, which the SDK's credential chain checks before it falls back to console.warn for "Multiple credential
 * sources detected: Both AWS_PROFILE and the pair AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY …" wherever the
 * environment holds keys. That warning is untrue here (keywarden passed the profile; AWS_PROFILE may be unset) and
 * asks nothing of the person, who chose the profile (README "Credentials, region and debugging": it wins).
 */
const PROFILE_FLAG_LOGGER = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export function createIamClient(options: AwsClientOptions = {}): IAMClient {
  return new IAMClient(clientConfig({ ...options, global: true }));
}

export function createStsClient(options: AwsClientOptions = {}): STSClient {
  return new STSClient(clientConfig({ ...options, global: true }));
}

/** Runs `work` over `items` with at most `limit` in flight, keeping result order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  });
  await Promise.all(workers);
  return results;
}
