import type { ResourceValidationPolicy } from '@pulumi/policy';
import { INFRA_POLICIES } from '../../core/infra/policies.js';
import { misspeltTagMessage, readRotationTags } from '../../core/infra/rotation-tags.js';
import { keywardenConfigSchema, readKeywardenConfig } from '../lib/config.js';
import { AwsType, known, packPolicy, propsAt, validateType } from '../lib/resources.js';

/**
 * Requires a user that carries the rotation tag (in any spelling) to carry it exactly as configured, so that
 * the rotation function, whose permissions are conditioned on that tag, really manages the user's keys (the
 * rule: core/infra/rotation-tags.ts, which `keywarden check` applies too).
 *
 * @severity high
 * @enforcementLevel mandatory
 * @framework 21 CFR Part 11 11.300(b)
 */
export const requireValidRotationTags: ResourceValidationPolicy = {
  ...packPolicy(INFRA_POLICIES.requireValidRotationTags),
  description:
    'Requires an aws.iam.User tagged for managed rotation to carry the tag key and value exactly as configured: a misspelt tag silently leaves the user out of the rotation that 21 CFR 11.300(b) relies on.',
  configSchema: keywardenConfigSchema,
  validateResource: validateType(AwsType.user, (args, reportViolation) => {
    const config = readKeywardenConfig(args, 'require-valid-rotation-tags', reportViolation);
    if (!config) return;
    const tags = propsAt(args.props, 'tags') ?? {};
    const { rotationTags, misspelt } = readRotationTags(tags, config.scope);
    if (rotationTags.length === 0) args.notApplicable(`the user carries no ${config.scope.tagKey} tag`);
    const userName = String(known(() => args.props['name']) ?? args.name);
    for (const tag of misspelt) reportViolation(misspeltTagMessage(userName, tag, config.scope));
  }),
};
