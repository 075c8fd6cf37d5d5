/**
 * Tags that keywarden's own Pulumi stacks put on their resources. The policy pack recognises a stack that
 * deploys the rotation function by these tags, and checks that stack (and only it) as one. The stacks set
 * them and the pack reads them from this one place, so the two cannot drift apart.
 */

/** Tag key naming the keywarden component a resource belongs to. */
export const COMPONENT_TAG_KEY = 'keywarden:component';

/** Values of {@link COMPONENT_TAG_KEY}. */
export const StackComponent = {
  /** The rotation function and everything it needs (role, schedule, logs, trail bucket, topic). */
  rotation: 'rotation',
  /** The GitHub OIDC provider and the read-only audit role of the Action. */
  auditRole: 'audit-role',
} as const;
export type StackComponent = (typeof StackComponent)[keyof typeof StackComponent];

/** Tag key that marks what a resource is for within its component, where the type alone is ambiguous. */
export const PURPOSE_TAG_KEY = 'keywarden:purpose';

/** Values of {@link PURPOSE_TAG_KEY}. */
export const StackPurpose = {
  /** The S3 bucket that holds the write-once audit trail (21 CFR 11.10(e)). */
  trailBucket: 'audit-trail',
  /** The S3 bucket (no Object Lock) of the per-user leases through which overlapping runs take turns. */
  leaseBucket: 'rotation-lease',
} as const;
export type StackPurpose = (typeof StackPurpose)[keyof typeof StackPurpose];

/** The tags a resource of `component` carries, optionally with its purpose: spread them into `tags`. */
export function componentTags(component: StackComponent, purpose?: StackPurpose): Record<string, string> {
  return purpose === undefined
    ? { [COMPONENT_TAG_KEY]: component }
    : { [COMPONENT_TAG_KEY]: component, [PURPOSE_TAG_KEY]: purpose };
}
