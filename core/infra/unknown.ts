/**
 * A value an infrastructure tool knows only when it applies the change: an unknown of `pulumi preview`, a
 * `true` in a Terraform plan's `after_unknown`, a CloudFormation intrinsic function that only the deployment
 * resolves. The rules of core/infra take it in place of the value and decide what it means for them.
 */
export const UNKNOWN: unique symbol = Symbol('known only at apply time');
export type Unknown = typeof UNKNOWN;

/** A value, or {@link UNKNOWN} when the tool learns it only at apply time. */
export type MaybeKnown<T> = T | Unknown;
