import * as pulumi from '@pulumi/pulumi';
import { UsageError } from '../../core/errors.js';
import { parseConfig } from '../../core/policy/schema.js';
import { readStackSettings } from '../settings.js';
import { bundleHandler } from './bundle.js';
import { rotationProgram } from './program.js';
import { rotationSettingsSchema } from './settings.js';

/**
 * Pulumi calls the default export and publishes what it returns as the stack's outputs. Settings are
 * validated before anything is registered; the handler is bundled here, at program time, so that the
 * deployed code is always the code of this checkout.
 */
export default async function main(options: { asOf?: Date; handlerCode?: string } = {}) {
  const asOf = options.asOf ?? new Date();
  const settings = readStackSettings(rotationSettingsSchema);
  let policy: ReturnType<typeof parseConfig>;
  try {
    // The checks that need the clock (an exemption runs at most a year ahead) on top of the schema's.
    policy = parseConfig(settings.policy, { asOf, origin: `${pulumi.getProject()} config: policy` });
  } catch (err) {
    if (err instanceof UsageError) throw new pulumi.RunError(err.message);
    throw err;
  }
  return rotationProgram({ settings, policy, handlerCode: options.handlerCode ?? (await bundleHandler()) });
}
