// How long the credentials the helper prints are good for: apart from index.ts, so that the CLI's option
// definition takes the range without loading the helper.

/** SDKs refresh process credentials 15 minutes before they expire: a shorter Expiration would call us per request. */
export const EXPIRATION_MINUTES = { min: 15, max: 720, default: 60 } as const;
