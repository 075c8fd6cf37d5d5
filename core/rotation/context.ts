import type { IAMClient } from '@aws-sdk/client-iam';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { OldKeyConsumerSource } from '../consumers/sighting.js';
import type { Config } from '../policy/schema.js';
import type { Clock } from '../time.js';
import type { TrailStore } from '../trail/index.js';
import type { Notifier } from './notifier.js';
import type { PlannedAction } from './planner.js';
import type { Delivery } from './state.js';

export interface RotationClients {
  iam: IAMClient;
  secrets: SecretsManagerClient;
}

/** A secret shown once to a person (`--deliver stdout`); the only way a secret leaves Secrets Manager. */
export interface DeliveredKey {
  user: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** What every rotation run works with; the engine's request adds which users and how. */
export interface RotationSetting {
  clients: RotationClients;
  config: Config;
  account: string;
  /** Recorded in the trail: the caller's ARN (STS GetCallerIdentity) or "lambda:<function name>". */
  actor: string;
  /** Decides what is due (injected; tests move it). */
  clock: Clock;
  trail: TrailStore;
  notifier: Notifier;
  /** Who still uses an old key (CloudTrail), named in the owner's notices; omitted = not looked up. */
  consumers?: OldKeyConsumerSource | undefined;
}

export interface ExecutorContext extends RotationSetting {
  /** KMS key for new secrets; omitted = the account's aws/secretsmanager key. */
  kmsKeyId?: string | undefined;
  deliver: Delivery;
  /** Required when deliver is stdout: receives the secret once. */
  onDelivery?: ((key: DeliveredKey) => void) | undefined;
}

/** The IAM user a run works on: name, ARN and unique ID (AIDA…). */
export interface TargetUser {
  name: string;
  arn: string;
  id: string;
}

/** What one executed action did (no secret in it). */
export interface ActionResult {
  kind: PlannedAction['kind'];
  keyId: string | null;
  reason: string;
  outcome: 'done' | 'skipped' | 'blocked';
}
