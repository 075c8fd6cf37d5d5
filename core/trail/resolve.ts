import { isAbsolute, join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { AwsClientOptions } from '../aws/clients.js';
import { UsageError } from '../errors.js';
import type { Config } from '../policy/schema.js';
import { JsonlTrailStore } from './jsonl.js';
import { createS3Client, S3TrailStore } from './s3.js';
import { trailSettings } from './settings.js';
import { kmsTrailSigner, parseSigningKeyArn, type TrailSigner } from './signing.js';
import type { TrailStore } from './store.js';

export const DEFAULT_TRAIL_FILE = 'keywarden-trail.jsonl';

export interface TrailChoice {
  /** --trail-file / --file */
  file?: string | undefined;
  /** --trail-bucket / --bucket */
  bucket?: string | undefined;
  /** --prefix (S3 only) */
  prefix?: string | undefined;
  /** --region / --profile for an S3 trail (and the credentials KMS signs with). */
  aws?: AwsClientOptions | undefined;
  /** --trail-signing-key: the KMS key ARN that signs every record written (and that verify trusts). */
  signingKey?: string | undefined;
}

export interface ResolvedTrail {
  store: TrailStore;
  /** Where the choice came from, in precedence order. */
  origin: 'option' | 'config' | 'default';
  /** The key that signs what this run writes and that verify trusts (option > config `trail.signingKey`), or null. */
  signingKey: string | null;
}

/**
 * Which store the trail goes to. Precedence: an explicit file or bucket option > the config's `trail:`
 * section > `./keywarden-trail.jsonl` (callers say so on stderr when the default is used).
 */
export function resolveTrailStore(
  choice: TrailChoice,
  config: Config | undefined,
  cwd: string,
): ResolvedTrail {
  if (choice.file && choice.bucket) {
    throw new UsageError('--trail-file and --trail-bucket cannot be combined: the trail has one store');
  }
  const settings = trailSettings(config);
  const retentionDays = settings.retentionDays;
  const prefix = choice.prefix ?? settings.prefix;
  const signingKey =
    choice.signingKey !== undefined
      ? parseSigningKeyArn(choice.signingKey, '--trail-signing-key')
      : (config?.trail?.signingKey ?? null);
  const signer: TrailSigner | undefined = signingKey ? kmsTrailSigner(signingKey, choice.aws) : undefined;
  const local = (file: string) => new JsonlTrailStore(isAbsolute(file) ? file : join(cwd, file), { signer });
  const s3 = (bucket: string) =>
    new S3TrailStore({ bucket, prefix, retentionDays, client: createS3Client(choice.aws), signer });
  if (choice.file) return { store: local(choice.file), origin: 'option', signingKey };
  if (choice.bucket) return { store: s3(choice.bucket), origin: 'option', signingKey };
  if (config?.trail?.file) return { store: local(config.trail.file), origin: 'config', signingKey };
  if (config?.trail?.bucket) return { store: s3(config.trail.bucket), origin: 'config', signingKey };
  return { store: local(DEFAULT_TRAIL_FILE), origin: 'default', signingKey };
}

/** One account's own S3 trail, read through `client` (that account's assumed credentials); retention as configured. */
export function accountTrailStore(
  bucket: string,
  prefix: string | undefined,
  config: Config | undefined,
  client: S3Client,
): S3TrailStore {
  const settings = trailSettings(config);
  return new S3TrailStore({
    bucket,
    prefix: prefix ?? settings.prefix,
    retentionDays: settings.retentionDays,
    client,
  });
}
