/** Rotation: see engine.ts for the entry both the CLI and the Lambda call, planner.ts for the timeline. */
export {
  type RotateUsersRequest,
  type RotationRun,
  rotateUsers,
  summaryText,
  type UserOutcome,
  type UserStatus,
} from './engine.js';
export {
  type ActionResult,
  type DeliveredKey,
  ownerOnlyPolicy,
  type RotationClients,
} from './executor.js';
export { memoryNotifier, type Notice, type Notifier, snsNotifier } from './notifier.js';
export { type Plan, type PlannedAction, type PlanStatus, planUser } from './planner.js';
export { type Delivery, secretNameFor, type UserState } from './state.js';
