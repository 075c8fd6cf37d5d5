import type { ResourceValidationPolicy } from '@pulumi/policy';
import { judgeAccessKey } from '../../core/infra/access-keys.js';
import { INFRA_POLICIES } from '../../core/infra/policies.js';
import { PULUMI_WORDS, providerAccount } from '../lib/access-keys.js';
import { keywardenConfigSchema, packClock, readKeywardenConfig } from '../lib/config.js';
import { AwsType, orUnknown, packPolicy, stringAt, validateType } from '../lib/resources.js';

/**
 * Rejects every IAM access key that infrastructure code creates, unless the pack config holds a documented,
 * unexpired exemption for its user (the rule: core/infra/access-keys.ts, which `keywarden check` applies too).
 *
 * @severity critical
 * @enforcementLevel mandatory
 * @framework 21 CFR Part 11 11.300(b)
 */
export const rejectIamAccessKeys: ResourceValidationPolicy = {
  ...packPolicy(INFRA_POLICIES.rejectIamAccessKeys),
  description:
    'Rejects aws.iam.AccessKey resources: a key minted by infrastructure code is never rotated and its secret is kept in the stack state, so the credential is not periodically revised as 21 CFR 11.300(b) requires. Enrol the user for managed rotation instead, or record a documented, unexpired exemption in the pack config.',
  configSchema: keywardenConfigSchema,
  validateResource: validateType(AwsType.accessKey, (args, reportViolation) => {
    const config = readKeywardenConfig(args, 'reject-iam-access-keys', reportViolation);
    if (!config) return;
    const judgement = judgeAccessKey(
      {
        resource: `aws.iam.AccessKey "${args.name}"`,
        user: orUnknown(() => stringAt(args.props, 'user') ?? ''),
        status: orUnknown(() => args.props['status']),
        account: providerAccount(args.provider),
      },
      config,
      packClock(),
      PULUMI_WORDS,
    );
    // Undecided: the user is unknown while an exemption could apply. Reading it directly lets the analyzer
    // say so (an advisory at preview); at `pulumi up` the name is known and the key is judged.
    if (judgement.outcome === 'undecided') args.props['user'];
    if (judgement.outcome === 'rejected') reportViolation(judgement.message);
  }),
};
