/**
 * STUB, doctor branch only (INTERFACES.md B): the rotation helper exports `secretNameProblem(user)` from
 * core/rotation. At merge, delete this file and import it from '../rotation/index.js' in ./checks.ts.
 * Same signature: null = the user name maps to a secret name.
 */
export function secretNameProblem(user: string): string | null {
  return user.includes(',')
    ? `the IAM user name "${user}" contains ",", which a Secrets Manager secret name cannot carry`
    : null;
}
