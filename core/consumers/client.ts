import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { type AwsClientOptions, clientConfig } from '../aws/clients.js';

/**
 * A CloudTrail client for one region. keywarden paces LookupEvents and retries it itself (lookup.ts): the SDK's
 * own retries would wait real seconds without knowing the two-requests-a-second budget, so it makes one attempt.
 */
export function createCloudTrailClient(options: AwsClientOptions & { region: string }): CloudTrailClient {
  return new CloudTrailClient(clientConfig({ ...options, maxAttempts: 1 }));
}
