import { readStackSettings } from '../settings.js';
import { auditRoleProgram } from './program.js';
import { auditRoleSettingsSchema } from './settings.js';

/** Pulumi calls the default export and publishes what it returns as the stack's outputs. */
export default function main() {
  return auditRoleProgram(readStackSettings(auditRoleSettingsSchema));
}
