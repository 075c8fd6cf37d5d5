import { describe, expect, it } from 'vitest';
import { keepsLogsAtLeast, logRetentionAtLeast } from '../../../core/infra/log-retention.js';

describe('logRetentionAtLeast', () => {
  it('picks the shortest CloudWatch retention that keeps logs long enough', () => {
    expect(logRetentionAtLeast(2557)).toBe(2557);
    expect(logRetentionAtLeast(1000)).toBe(1096);
    expect(logRetentionAtLeast(1)).toBe(1);
  });

  it('falls back to never expiring past the longest retention', () => {
    expect(logRetentionAtLeast(4000)).toBe(0);
  });
});

describe('keepsLogsAtLeast', () => {
  it('treats an unset or zero retention as never expiring', () => {
    expect(keepsLogsAtLeast(undefined, 2557)).toBe(true);
    expect(keepsLogsAtLeast(0, 2557)).toBe(true);
  });

  it('compares a set retention with the days required', () => {
    expect(keepsLogsAtLeast(2557, 2557)).toBe(true);
    expect(keepsLogsAtLeast(731, 2557)).toBe(false);
  });
});
