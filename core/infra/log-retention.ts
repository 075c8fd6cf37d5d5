/**
 * CloudWatch Logs accepts only these retention periods (days); 0 means "never expire". A stack that must keep
 * logs at least N days picks the smallest allowed value ≥ N, and the policy pack names that value in its message.
 */
export const CLOUDWATCH_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The smallest CloudWatch retention that keeps logs at least `days` days; 0 (never expire) past the longest. */
export function logRetentionAtLeast(days: number): number {
  return CLOUDWATCH_RETENTION_DAYS.find((allowed) => allowed >= days) ?? 0;
}

/** Whether a log group's `retentionInDays` keeps logs at least `days` days (unset or 0 = never expire). */
export function keepsLogsAtLeast(retentionInDays: number | undefined | null, days: number): boolean {
  return !retentionInDays || retentionInDays >= days;
}
