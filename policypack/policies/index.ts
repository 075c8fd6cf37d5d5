import type { Policies } from '@pulumi/policy';
import { rejectIamAccessKeys } from './reject-iam-access-keys.js';
import { requireDailyRotationSchedule } from './require-daily-rotation-schedule.js';
import { requireQuarantineRotationRule } from './require-quarantine-rotation-rule.js';
import { requireRotationLeaseBucket } from './require-rotation-lease-bucket.js';
import { requireRotationLogRetention } from './require-rotation-log-retention.js';
import { requireValidRotationTags } from './require-valid-rotation-tags.js';
import { requireWormTrailBucket } from './require-worm-trail-bucket.js';
import { restrictAuditRolePermissions } from './restrict-audit-role-permissions.js';
import { restrictRotationRolePermissions } from './restrict-rotation-role-permissions.js';

/** Every keywarden policy, in the order the pack registers them. */
export const keywardenPolicies: Policies = [
  rejectIamAccessKeys,
  requireValidRotationTags,
  requireDailyRotationSchedule,
  requireQuarantineRotationRule,
  requireRotationLogRetention,
  requireWormTrailBucket,
  requireRotationLeaseBucket,
  restrictRotationRolePermissions,
  restrictAuditRolePermissions,
];
