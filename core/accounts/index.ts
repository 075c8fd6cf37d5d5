export {
  type AccountResult,
  type AccountsAuditRequest,
  completeAccountsOf,
  DEFAULT_ACCOUNT_CONCURRENCY,
  MANY_ACCOUNTS,
  partitionOf,
  runAccountsAudit,
  sessionNameFor,
} from './audit.js';
export {
  type Discovered,
  discoverAccounts,
  type MemberAccount,
  ORGANIZATION_READ_ACTIONS,
} from './discover.js';
export { type AccountsSpec, parseAccountsSpec, type SpecSources } from './spec.js';
