import { GetUserCommand, IAMClient, type User } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  type AwsClientOptions,
  clientConfig,
  createStsClient,
  loadRegion,
  type ResolvedRegion,
} from '../aws/clients.js';
import { type CallerIdentity, principalOf } from '../aws/identity.js';
import { classifyAwsError, IncompleteError } from '../errors.js';
import type { TrailBucketFacts } from '../infra/worm.js';
import { readUser } from '../inventory/live.js';
import type { Gap, KeyRecord, UserRecord } from '../inventory/records.js';
import { loadConfig } from '../policy/load.js';
import type { Config } from '../policy/schema.js';
import {
  type LeaseSettings,
  leaseSettingsOf,
  memoryNotifier,
  planManualRotation,
  S3LeaseStore,
  type UserOutcome,
} from '../rotation/index.js';
import type { Clock } from '../time.js';
import {
  createS3Client,
  type ResolvedTrail,
  readTrailBucketFacts,
  resolveTrailStore,
} from '../trail/index.js';
import { PrerequisiteMissing } from './check.js';

export interface DoctorRequest {
  /** --user: also check this IAM user. */
  user?: string | undefined;
  configFile?: string | undefined;
  trailFile?: string | undefined;
  trailBucket?: string | undefined;
  /** --lease-bucket: where rotation takes its per-user leases (over the config's rotation.lease.bucket). */
  leaseBucket?: string | undefined;
  /** --region, --profile and the environment the SDK reads. */
  aws: AwsClientOptions;
  cwd: string;
  clock: Clock;
  /** The installed AWS CLI's version line, or null when there is none; omitted = not checked. */
  awsCliVersion?: () => Promise<string | null>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(work: () => Promise<T>): () => Promise<Result<T>> {
  let memo: Promise<Result<T>> | undefined;
  return () => {
    memo ??= work().then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    return memo;
  };
}

/** The value, or a skip naming what is missing (the check that owns the fact reports why). */
export async function need<T>(result: Promise<Result<T>>, what: string): Promise<T> {
  const settled = await result;
  if (!settled.ok) throw new PrerequisiteMissing(`needs ${what}`);
  return settled.value;
}

export interface UserKeys {
  keys: KeyRecord[];
  gaps: Gap[];
  /** The user as read (its quarantine policies among it); null when it was deleted meanwhile. */
  user: UserRecord | null;
}

/**
 * What the checks share, each fact read once on first use. AWS calls make one attempt: doctor
 * reports what is wrong, it does not wait it out.
 */
export function createDoctorContext(request: DoctorRequest) {
  const aws: AwsClientOptions = { ...request.aws, maxAttempts: 1 };
  const iam = new IAMClient(clientConfig({ ...aws, global: true }));
  let secrets: SecretsManagerClient | undefined;
  let s3: S3Client | undefined;
  const secretsClient = () => {
    secrets ??= new SecretsManagerClient(clientConfig(aws));
    return secrets;
  };
  const s3Client = () => {
    s3 ??= createS3Client(aws);
    return s3;
  };
  const now = request.clock();

  const config = settle(async () => {
    return loadConfig({ file: request.configFile, asOf: now, cwd: request.cwd });
  });
  const region = settle<ResolvedRegion>(() => loadRegion(aws));
  const identity = settle<CallerIdentity>(async () => {
    const sts = createStsClient(aws);
    try {
      const answer = await sts.send(new GetCallerIdentityCommand({}));
      // Something that is not STS can answer with a page the XML parser accepts as empty.
      if (!answer.Arn || !answer.Account)
        throw new IncompleteError(
          'the AWS endpoint answered without an account or ARN, so it is not STS: check AWS_ENDPOINT_URL, a proxy or your network',
        );
      return { account: answer.Account, arn: answer.Arn, principalArn: principalOf(answer.Arn) };
    } finally {
      sts.destroy();
    }
  });
  /** GetUser: null when the user does not exist. */
  const user = settle<User | null>(async () => {
    if (!request.user) throw new PrerequisiteMissing('--user');
    try {
      return (await iam.send(new GetUserCommand({ UserName: request.user }))).User ?? null;
    } catch (err) {
      if (classifyAwsError(err) === 'not-found') return null;
      throw err;
    }
  });
  const existingUser = async (): Promise<User> => {
    const found = await need(user(), `the user ${request.user}`);
    if (!found) throw new PrerequisiteMissing(`the user ${request.user}, which does not exist`);
    return found;
  };
  const userKeys = settle<UserKeys>(async () => {
    const found = await existingUser();
    const read = await readUser(iam, found);
    return { keys: read.keys, gaps: read.gaps, user: read.user };
  });
  const plan = settle<UserOutcome>(async () => {
    const found = await existingUser();
    const who = await need(identity(), 'credentials');
    const loaded = await need(config(), 'a valid config');
    const where = await need(region(), 'the region');
    if (!where.region) throw new PrerequisiteMissing('a region (Secrets Manager holds the rotation state)');
    // The plan `keywarden rotate --user` makes and shows, from the same call with the same inputs.
    return planManualRotation({
      clients: { iam, secrets: secretsClient() },
      config: loaded.config,
      account: who.account,
      actor: who.arn,
      clock: request.clock,
      trail: trail(loaded.config).store,
      notifier: memoryNotifier(),
      user: found.UserName ?? '',
      lease: leaseOf(loaded.config)?.store,
    });
  });
  let resolvedLease: { settings: LeaseSettings; store: S3LeaseStore } | null | undefined;
  /** The lease store the option and the config name, or null when they name none. */
  const leaseOf = (loadedConfig: Config) => {
    if (resolvedLease === undefined) {
      const settings = leaseSettingsOf(loadedConfig, request.leaseBucket);
      resolvedLease = settings
        ? { settings, store: new S3LeaseStore({ ...settings, client: s3Client() }) }
        : null;
    }
    return resolvedLease;
  };
  let resolvedTrail: ResolvedTrail | undefined;
  /** The trail store the options and the config name (one store, hence one S3 client, per run). */
  const trail = (loadedConfig: Config | undefined): ResolvedTrail => {
    resolvedTrail ??= resolveTrailStore(
      { file: request.trailFile, bucket: request.trailBucket, aws },
      loadedConfig,
      request.cwd,
    );
    return resolvedTrail;
  };
  const bucketFacts = (bucket: string): Promise<TrailBucketFacts> => readTrailBucketFacts(s3Client(), bucket);

  return {
    request,
    now,
    iam,
    config,
    region,
    identity,
    user,
    userKeys,
    plan,
    trail,
    leaseOf,
    bucketFacts,
    s3Client,
    close() {
      iam.destroy();
      secrets?.destroy();
      s3?.destroy();
    },
  };
}

export type DoctorContext = ReturnType<typeof createDoctorContext>;
