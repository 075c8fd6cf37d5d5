import type { ResourceValidationPolicy } from '@pulumi/policy';
import { keywardenConfigSchema, readKeywardenConfig } from '../lib/config.js';
import { AwsType, known, part11, propsAt, validateType } from '../lib/resources.js';

/**
 * Requires a user that carries the rotation tag (in any spelling) to carry it exactly as configured, so that
 * the rotation function, whose permissions are conditioned on that tag, really manages the user's keys.
 *
 * @severity high
 * @enforcementLevel mandatory
 * @framework 21 CFR Part 11 11.300(b)
 */
export const requireValidRotationTags: ResourceValidationPolicy = {
  name: 'require-valid-rotation-tags',
  description:
    'Requires an aws.iam.User tagged for managed rotation to carry the tag key and value exactly as configured: a misspelt tag silently leaves the user out of the rotation that 21 CFR 11.300(b) relies on.',
  enforcementLevel: 'mandatory',
  severity: 'high',
  framework: part11('11.300(b)'),
  configSchema: keywardenConfigSchema,
  validateResource: validateType(AwsType.user, (args, reportViolation) => {
    const config = readKeywardenConfig(args, 'require-valid-rotation-tags', reportViolation);
    if (!config) return;
    const { tagKey, tagValue } = config.scope;
    const tags = Object.entries(propsAt(args.props, 'tags') ?? {});
    const rotationTags = tags.filter(([key]) => key.trim().toLowerCase() === tagKey.toLowerCase());
    if (rotationTags.length === 0) args.notApplicable(`the user carries no ${tagKey} tag`);
    for (const [key, value] of rotationTags) {
      if (key === tagKey && value === tagValue) continue;
      reportViolation(
        `IAM user "${String(known(() => args.props['name']) ?? args.name)}" is tagged ${JSON.stringify(key)}=${JSON.stringify(value)}, which keywarden does not recognise, so its keys are not rotated: write the tag exactly as ${tagKey}=${tagValue}, or remove it.`,
      );
    }
  }),
};
