// The consumers of an access key: who used it, from where, with what (CloudTrail event history).
export { type KeyUse, parseKeyUse } from './events.js';
export { type Consumer, ConsumerTally, groupConsumers } from './group.js';
export {
  CONSUMER_DAYS,
  CONSUMER_MAX_PAGES,
  DEFAULT_MAX_PAGES,
  EVENTS_PER_PAGE,
  HISTORY_DAYS,
} from './limits.js';
export {
  CloudTrailUnreadableError,
  type KeyConsumers,
  lookupKeyConsumers,
  type Truncation,
} from './lookup.js';
export { LOOKUP_EVENTS_PER_SECOND, type PaceTimer, RequestPacer, realTimer } from './pace.js';
export { blindSpots, consumersJson, consumersTable } from './render.js';
export {
  CONSUMERS_SCHEMA_VERSION,
  type ConsumersReport,
  type ConsumersRequest,
  consumersOf,
  type KeyConsumersReport,
  type LastUse,
  lastUseOf,
  lookupWindow,
} from './report.js';
