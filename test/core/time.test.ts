import { describe, expect, it } from 'vitest';
import { UsageError } from '../../core/errors.js';
import { addDays, daysToMs, parseInstant, wholeDaysBetween } from '../../core/time.js';

describe('parseInstant', () => {
  it('accepts a date as midnight UTC and a date-time with a zone as that instant', () => {
    expect(parseInstant('2026-11-28').toISOString()).toBe('2026-11-28T00:00:00.000Z');
    expect(parseInstant('2026-03-01T10:00:00+01:00').toISOString()).toBe('2026-03-01T09:00:00.000Z');
    expect(parseInstant('2028-02-29T23:30Z').toISOString()).toBe('2028-02-29T23:30:00.000Z');
  });

  it('refuses a zoned date-time on a day the month does not have instead of rolling it over', () => {
    expect(() => parseInstant('2026-02-30T10:00:00+01:00')).toThrow(UsageError);
    expect(() => parseInstant('2026-02-30T10:00:00+01:00')).toThrow(
      '--as-of: "2026-02-30T10:00:00+01:00" is not a real calendar date',
    );
    expect(() => parseInstant('2026-04-31T00:00:00Z')).toThrow('is not a real calendar date');
    expect(() => parseInstant('2026-02-29T12:00:00-05:00')).toThrow('is not a real calendar date');
  });

  it('refuses an hour, minute or offset out of range', () => {
    expect(() => parseInstant('2026-03-01T24:00:00Z')).toThrow('is not a real calendar date');
    expect(() => parseInstant('2026-03-01T10:60:00Z')).toThrow('is not a real calendar date');
    expect(() => parseInstant('2026-03-01T10:00:00+24:00')).toThrow('is not a real calendar date');
  });

  it('refuses a plain date that does not exist and a date-time without a zone', () => {
    expect(() => parseInstant('2026-02-30')).toThrow('is not a real calendar date');
    expect(() => parseInstant('2026-03-01T10:00:00')).toThrow('is not an ISO 8601 date');
  });
});

describe('day arithmetic', () => {
  it('adds whole 24-hour days and counts them back floored', () => {
    const from = new Date('2026-01-01T06:00:00Z');
    expect(addDays(from, 90).toISOString()).toBe('2026-04-01T06:00:00.000Z');
    expect(addDays(from, -1).toISOString()).toBe('2025-12-31T06:00:00.000Z');
    expect(daysToMs(2)).toBe(172_800_000);
    expect(wholeDaysBetween(from, new Date(addDays(from, 3).getTime() - 1))).toBe(2);
  });
});
