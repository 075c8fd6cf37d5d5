/** Rotation: see engine.ts for the entry both the CLI and the Lambda call, timeline.ts for when steps fall due. */

export type { ActionResult, DeliveredKey, RotationClients } from './context.js';
export {
  LEASE_REQUIRED,
  LeaseRequiredError,
  type ManualRotation,
  manualRotationRequest,
  type PlannedStep,
  planManualRotation,
  type RotateUsersRequest,
  type RotationRun,
  rotateUsers,
  type UserOutcome,
  type UserStatus,
} from './engine.js';
export {
  type Acquired,
  LeaseLostError,
  type LeaseSettings,
  type LeaseState,
  type LeaseStore,
  leaseIsLive,
  leaseSettingsOf,
  releaseLeaseByHand,
  S3LeaseStore,
  type UserLease,
} from './lease.js';
export { ownerOnlyPolicy } from './managed-secret.js';
export { type KeyNoticeFacts, type Notice, newKeyNotice, reminderNotice } from './notices.js';
export { memoryNotifier, type Notifier, snsNotifier } from './notifier.js';
export { type Plan, type PlannedAction, type PlanStatus, planUser } from './planner.js';
export { type Delivery, SecretNameError, secretNameFor, secretNameProblem, type UserState } from './state.js';
export { countViolatingKeys, summaryNotice, summaryText } from './summary.js';
export {
  CLOCK_SKEW_MS,
  firstActingInstant,
  isDue,
  promisedDay,
  SCHEDULE_SLACK_MS,
  type Timeline,
  timelineOf,
} from './timeline.js';
