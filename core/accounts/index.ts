export type { AccountResult } from '../audit/report.js';
export { ORGANIZATION_READ_ACTIONS } from '../aws/permissions.js';
export {
  type AccountsAuditRequest,
  completeAccountsOf,
  MANY_ACCOUNTS,
  runAccountsAudit,
  sessionNameFor,
} from './audit.js';
export { type Discovered, discoverAccounts, type MemberAccount } from './discover.js';
export {
  type AccountsSpec,
  DEFAULT_ACCOUNT_CONCURRENCY,
  parseAccountsSpec,
  type SpecSources,
} from './spec.js';
