import type { ResourceValidationPolicy } from '@pulumi/policy';
import { activeExemption } from '../../core/policy/exemption.js';
import { accessKeyRemedy, hasUnexpiredExemption, providerAccount } from '../lib/access-keys.js';
import { keywardenConfigSchema, packClock, readKeywardenConfig } from '../lib/config.js';
import { AwsType, known, part11, stringAt, validateType } from '../lib/resources.js';

/**
 * Rejects every IAM access key that infrastructure code creates, unless the pack config holds a documented,
 * unexpired exemption for its user.
 *
 * @severity critical
 * @enforcementLevel mandatory
 * @framework 21 CFR Part 11 11.300(b)
 */
export const rejectIamAccessKeys: ResourceValidationPolicy = {
  name: 'reject-iam-access-keys',
  description:
    'Rejects aws.iam.AccessKey resources: a key minted by infrastructure code is never rotated and its secret is kept in the stack state, so the credential is not periodically revised as 21 CFR 11.300(b) requires. Enrol the user for managed rotation instead, or record a documented, unexpired exemption in the pack config.',
  enforcementLevel: 'mandatory',
  severity: 'critical',
  framework: part11('11.300(b)'),
  configSchema: keywardenConfigSchema,
  validateResource: validateType(AwsType.accessKey, (args, reportViolation) => {
    const config = readKeywardenConfig(args, 'reject-iam-access-keys', reportViolation);
    if (!config) return;
    const asOf = packClock();
    // The user's name is needed only when an exemption could apply; read it directly then (an unknown name
    // becomes the analyzer's advisory), otherwise a key for a user named at apply time is still rejected.
    const readUser = () => stringAt(args.props, 'user');
    const user = hasUnexpiredExemption(config, asOf) ? readUser() : known(readUser);
    if (user !== undefined && activeExemption(config.exemptions, user, providerAccount(args.provider), asOf))
      return;
    reportViolation(
      accessKeyRemedy(
        args.name,
        user,
        known(() => args.props['status']),
        config,
        asOf,
      ),
    );
  }),
};
