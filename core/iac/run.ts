import { UsageError } from '../errors.js';
import type { Config } from '../policy/schema.js';
import { type CheckReport, checkInputs } from './check.js';
import { readIacPath } from './read.js';

/**
 * Reads every path (plans, templates, CDK assemblies) and checks them: the whole of `keywarden check` below
 * its output, shared by the CLI and the Action. An unreadable path or a file of no known kind is a UsageError
 * before anything is judged: never a partial report.
 */
export async function runCheck(
  paths: readonly string[],
  options: { cwd: string; config: Config; asOf: Date },
): Promise<CheckReport> {
  if (paths.length === 0) throw new UsageError('check: name at least one plan, template or CDK assembly');
  const inputs = (await Promise.all(paths.map((path) => readIacPath(path, options.cwd)))).flat();
  // The same file named twice (a glob and a path): judged once.
  const seen = new Set<string>();
  const unique = inputs.filter((input) => {
    const key = `${input.file}\u0000${input.stack ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return checkInputs(unique, options.config, options.asOf);
}
