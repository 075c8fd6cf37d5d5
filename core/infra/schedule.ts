const MINUTES_PER = { minute: 1, minutes: 1, hour: 60, hours: 60, day: 1440, days: 1440 } as const;
const EVERY_DAY = new Set(['*', '?']);

/**
 * Whether an EventBridge Scheduler expression fires at least once every day: `rate(…)` of at most a day, or a
 * `cron(…)` whose day-of-month, month, day-of-week and year fields are all wildcards. Anything else (one-time
 * `at(…)`, weekdays only, a list of days) is not daily.
 */
export function firesAtLeastDaily(expression: string): boolean {
  const rate = /^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)$/.exec(expression.trim());
  if (rate) {
    const minutes = Number(rate[1]) * MINUTES_PER[rate[2] as keyof typeof MINUTES_PER];
    return minutes > 0 && minutes <= MINUTES_PER.day;
  }
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (!cron) return false;
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6) return false;
  const [, , dayOfMonth = '', month, dayOfWeek = '', year] = fields;
  return EVERY_DAY.has(dayOfMonth) && month === '*' && EVERY_DAY.has(dayOfWeek) && year === '*';
}
