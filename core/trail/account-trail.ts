// Each account's own trail bucket in a pack over several accounts: one name rule for the CLI
// (`--account-trail-bucket`) and the audit-role stack (`memberTrailBucket`, the member role's read grant).
// Pure: no AWS client, so the stack can use it.
import { UsageError } from '../errors.js';

/** What stands for the account ID in `--account-trail-bucket` (and the audit-role stack's `memberTrailBucket`). */
export const ACCOUNT_PLACEHOLDER = '{account}';

/** An S3 bucket name (general purpose buckets): 3–63 of a-z 0-9 . -, starting and ending with a letter or digit. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The bucket of each account's own trail: `template` with `{account}` replaced by the account's ID. Refused
 * unless it holds the placeholder (S3 names are global: one fixed name cannot be every account's) and gives
 * a valid bucket name.
 */
export function accountTrailBucket(
  template: string,
  account: string,
  name = '--account-trail-bucket',
): string {
  if (!template.includes(ACCOUNT_PLACEHOLDER)) {
    throw new UsageError(
      `${name} ${template}: name each account's bucket with ${ACCOUNT_PLACEHOLDER} for its ID (keywarden-trail-${ACCOUNT_PLACEHOLDER})`,
    );
  }
  const bucket = template.replaceAll(ACCOUNT_PLACEHOLDER, account);
  if (!BUCKET_NAME.test(bucket)) {
    throw new UsageError(`${name} ${template}: ${bucket} is not an S3 bucket name`);
  }
  return bucket;
}
