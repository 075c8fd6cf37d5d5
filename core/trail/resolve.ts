import { isAbsolute, join } from 'node:path';
import type { Config } from '../config-schema.js';
import { UsageError } from '../errors.js';
import { JsonlTrailStore } from './jsonl.js';
import { S3TrailStore } from './s3.js';
import type { TrailStore } from './store.js';

export const DEFAULT_TRAIL_FILE = 'keywarden-trail.jsonl';

export interface TrailChoice {
  /** --trail-file / --file */
  file?: string | undefined;
  /** --trail-bucket / --bucket */
  bucket?: string | undefined;
  /** --prefix (S3 only) */
  prefix?: string | undefined;
}

export interface ResolvedTrail {
  store: TrailStore;
  /** Where the choice came from, in precedence order. */
  origin: 'option' | 'config' | 'default';
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
  const retentionDays = config?.trail?.retentionDays ?? 2557;
  const prefix = choice.prefix ?? config?.trail?.prefix ?? 'trail/';
  const local = (file: string) => new JsonlTrailStore(isAbsolute(file) ? file : join(cwd, file));
  if (choice.file) return { store: local(choice.file), origin: 'option' };
  if (choice.bucket)
    return { store: new S3TrailStore({ bucket: choice.bucket, prefix, retentionDays }), origin: 'option' };
  if (config?.trail?.file) return { store: local(config.trail.file), origin: 'config' };
  if (config?.trail?.bucket) {
    return {
      store: new S3TrailStore({ bucket: config.trail.bucket, prefix, retentionDays }),
      origin: 'config',
    };
  }
  return { store: local(DEFAULT_TRAIL_FILE), origin: 'default' };
}
