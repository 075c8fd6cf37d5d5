import { UsageError } from '../../core/errors.js';
import { type Config, parseConfig } from '../../core/policy/schema.js';
import { type LeaseSettings, leaseSettingsOf } from '../../core/rotation/lease.js';

/** What the function is told through its environment: the program writes these, the handler reads them. */
export const EnvironmentVariable = {
  /** The rotation policy (keywarden.yml as JSON), its trail pointed at the stack's bucket. */
  config: 'KEYWARDEN_CONFIG',
  /** SNS topic of the run summaries and of the owners' notices. */
  topicArn: 'KEYWARDEN_TOPIC_ARN',
  /** KMS key that encrypts the delivered secrets. */
  secretsKmsKeyArn: 'KEYWARDEN_SECRETS_KMS_KEY_ARN',
} as const;

/** Powertools names every log line and metric after the service, and files metrics under the namespace. */
export const SERVICE_NAME = 'keywarden-rotation';
export const METRICS_NAMESPACE = 'keywarden';

/** The EMF metrics the handler emits per run; the stack's alarms watch two of them. */
export const RunMetric = {
  /** Active keys past maxKeyAgeDays after the run (the overdue alarm fires at 1). */
  overdueKeys: 'OverdueKeys',
  /** Mutations done in the run (key created, deactivated, deleted). */
  mutations: 'KeyMutations',
  /** Users whose work failed in the run. */
  failedUsers: 'FailedUsers',
  /** Users in scope left for the next run because the time budget ran out. */
  deferredUsers: 'DeferredUsers',
} as const;

/** Lambda caps a function's whole environment at 4 KB; the policy must fit beside the other variables. */
export const ENVIRONMENT_LIMIT_BYTES = 4096;

export interface FunctionEnvironment {
  config: Config;
  /** The stack's trail bucket, from the policy's `trail:` section. */
  trail: { bucket: string; prefix: string; retentionDays: number };
  /** The stack's lease bucket, from the policy's `rotation.lease`. */
  lease: LeaseSettings;
  topicArn: string;
  secretsKmsKeyArn: string;
}

/** The allowed form of each ARN variable: a pattern and how a person reads it. */
const ARN_FORMS = {
  [EnvironmentVariable.topicArn]: {
    pattern: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/,
    allowed: 'an SNS topic ARN, arn:<partition>:sns:<region>:<account-id>:<topic-name>',
  },
  [EnvironmentVariable.secretsKmsKeyArn]: {
    pattern: /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[\w-]+|alias\/[\w/-]+)$/,
    allowed: 'a KMS key ARN, arn:<partition>:kms:<region>:<account-id>:key/<key-id> (or alias/<name>)',
  },
} as const;

/** The value of an ARN variable, or a UsageError naming the variable, the value and the allowed form. */
function arnFrom(env: NodeJS.ProcessEnv, name: keyof typeof ARN_FORMS): string {
  const value = env[name] as string;
  const { pattern, allowed } = ARN_FORMS[name];
  if (!pattern.test(value)) throw new UsageError(`${name}: "${value}" is not allowed; expected ${allowed}`);
  return value;
}

/**
 * Reads and validates the function's environment; the policy is validated again by the core schema, at
 * run time, so that an exemption that expired since the deployment no longer counts.
 */
export function readEnvironment(env: NodeJS.ProcessEnv, asOf: Date): FunctionEnvironment {
  const missing = Object.values(EnvironmentVariable).filter((name) => !env[name]);
  if (missing.length > 0) throw new UsageError(`the function's environment lacks ${missing.join(', ')}`);
  let raw: unknown;
  try {
    raw = JSON.parse(env[EnvironmentVariable.config] as string);
  } catch {
    throw new UsageError(
      `${EnvironmentVariable.config} is not JSON; expected the rotation policy (keywarden.yml) as JSON`,
    );
  }
  const config = parseConfig(raw, { asOf, origin: EnvironmentVariable.config });
  const { bucket, prefix, retentionDays } = config.trail ?? {};
  if (!bucket || prefix === undefined || retentionDays === undefined) {
    throw new UsageError(`${EnvironmentVariable.config} names no trail bucket`);
  }
  const topicArn = arnFrom(env, EnvironmentVariable.topicArn);
  const secretsKmsKeyArn = arnFrom(env, EnvironmentVariable.secretsKmsKeyArn);
  const lease = leaseSettingsOf(config);
  if (!lease) throw new UsageError(`${EnvironmentVariable.config} names no lease bucket (rotation.lease)`);
  return { config, trail: { bucket, prefix, retentionDays }, lease, topicArn, secretsKmsKeyArn };
}
