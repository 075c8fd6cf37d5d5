import { describe, expect, it } from 'vitest';
import { firesAtLeastDaily } from '../../../core/infra/schedule.js';

describe('firesAtLeastDaily', () => {
  it.each([
    'rate(1 day)',
    'rate(12 hours)',
    'rate(30 minutes)',
    'rate(1440 minutes)',
    'cron(0 3 * * ? *)',
    'cron(15 */6 ? * * *)',
  ])('accepts %s', (expression) => {
    expect(firesAtLeastDaily(expression)).toBe(true);
  });

  it.each([
    'rate(2 days)',
    'rate(25 hours)',
    'rate(0 minutes)',
    'cron(0 3 ? * MON-FRI *)',
    'cron(0 3 1 * ? *)',
    'cron(0 3 * 1-6 ? *)',
    'cron(0 3 * * ? 2027)',
    'at(2026-12-01T03:00:00)',
    'rate(1 week)',
    '',
  ])('refuses %s', (expression) => {
    expect(firesAtLeastDaily(expression)).toBe(false);
  });
});
