import { IAMClient } from '@aws-sdk/client-iam';

/**
 * IAM is global; the SDK still wants a region to sign with. The SDK's own chain
 * (AWS_REGION, profile) wins; us-east-1 only fills the gap. Endpoints come from the SDK's
 * own AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_IAM handling: keywarden adds no endpoint flags.
 */
export const DEFAULT_REGION = 'us-east-1';

export interface AwsClientOptions {
  /** Total attempts per call, adaptive retry mode (client-side rate limiting on throttling). */
  maxAttempts?: number;
}

export function regionFromEnvironment(): string {
  return process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || DEFAULT_REGION;
}

export function clientConfig(options: AwsClientOptions = {}) {
  const fromEnv = Number(process.env.KEYWARDEN_AWS_MAX_ATTEMPTS);
  return {
    region: regionFromEnvironment(),
    retryMode: 'adaptive' as const,
    maxAttempts: options.maxAttempts ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 8),
  };
}

export function createIamClient(options: AwsClientOptions = {}): IAMClient {
  return new IAMClient(clientConfig(options));
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

/** Kept here for existing importers; the function lives in core/arn.ts (no SDK). */
export { accountFromArn } from './arn.js';
