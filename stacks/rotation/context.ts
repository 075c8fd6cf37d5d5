import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { componentTags, StackComponent } from '../../core/infra/stack-tags.js';
import type { Config } from '../../core/policy/schema.js';
import { type RotationSettings, trailOf } from './settings.js';

/** What every group of the rotation stack reads: the settings, the policy, the tags, where it is deployed. */
export interface RotationContext {
  settings: RotationSettings;
  policy: Config;
  trail: ReturnType<typeof trailOf>;
  tags: Record<string, string>;
  partition: pulumi.Output<string>;
  account: pulumi.Output<string>;
  region: pulumi.Output<string>;
}

export function rotationContext(settings: RotationSettings, policy: Config): RotationContext {
  return {
    settings,
    policy,
    trail: trailOf(policy),
    tags: componentTags(StackComponent.rotation),
    partition: aws.getPartitionOutput().partition,
    account: aws.getCallerIdentityOutput().accountId,
    region: aws.getRegionOutput().region,
  };
}
