// The limits of a consumers lookup (no AWS SDK here: the CLI's --help reads them).

/** CloudTrail's event history keeps 90 days. */
export const HISTORY_DAYS = 90;
/** LookupEvents' largest page. */
export const EVENTS_PER_PAGE = 50;
/** The default page budget of one key: 100 pages = 5,000 events, about 50 s at two requests a second. */
export const DEFAULT_MAX_PAGES = 100;

/** `--days`: the event history goes back 90 days, and no further. */
export const CONSUMER_DAYS = { min: 1, max: HISTORY_DAYS, default: HISTORY_DAYS } as const;
/** `--max-pages`: per key. */
export const CONSUMER_MAX_PAGES = { min: 1, max: 100_000, default: DEFAULT_MAX_PAGES } as const;
