import { UsageError } from './errors.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Whole days from `from` to `to`, floored (the reported `ageDays`). */
export function wholeDaysBetween(from: Date, to: Date): number {
  return Math.floor((to.getTime() - from.getTime()) / DAY_MS);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses a person's `--as-of`: a date (midnight UTC) or a date-time with a zone.
 * A date-time without a zone is refused: it would mean different instants on different machines.
 */
export function parseInstant(text: string, what = '--as-of'): Date {
  const trimmed = text.trim();
  if (!ISO_DATE.test(trimmed) && !ISO_DATE_TIME.test(trimmed)) {
    throw new UsageError(
      `${what}: "${text}" is not an ISO 8601 date (2026-11-28) or date-time with a zone (2026-11-28T09:00:00Z)`,
    );
  }
  const date = new Date(ISO_DATE.test(trimmed) ? `${trimmed}T00:00:00Z` : trimmed);
  if (Number.isNaN(date.getTime()) || !realCalendarFields(trimmed)) {
    throw new UsageError(`${what}: "${text}" is not a real calendar date`);
  }
  return date;
}

/**
 * Checks the written fields themselves (JavaScript silently rolls 2026-02-30 over to March 2, with or
 * without a zone): month 1–12, a day that the month has, hour < 24, minute and second < 60, offset < 24 h.
 */
function realCalendarFields(text: string): boolean {
  const [year = Number.NaN, month = Number.NaN, day = Number.NaN] = text.slice(0, 10).split('-').map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  const time = /T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(text);
  if (time && (Number(time[1]) > 23 || Number(time[2]) > 59 || Number(time[3] ?? 0) > 59)) return false;
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(text);
  return !offset || (Number(offset[2]) <= 23 && Number(offset[3]) <= 59);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** `days` whole days as milliseconds: the one place a day's length is written. */
export function daysToMs(days: number): number {
  return days * DAY_MS;
}

/** The instant `days` × 24 h after `from` (negative: before). */
export function addDays(from: Date, days: number): Date {
  return new Date(from.getTime() + daysToMs(days));
}

/** Calendar days from one UTC date (YYYY-MM-DD) to another; negative when `to` comes first. */
export function calendarDaysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The last instant at which something "valid through" a UTC calendar date is still valid. */
export function endOfUtcDay(isoDate: string): Date {
  return new Date(new Date(`${isoDate}T00:00:00Z`).getTime() + DAY_MS - 1);
}

/** A clock, injected everywhere so that no decision depends on the machine's date. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

/** An instant to the second, as the consumers tables and notices show it: `2026-11-19T08:15:02Z`. */
export const isoSecond = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
