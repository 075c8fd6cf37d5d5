// Loading keywarden.yml: finding and reading the file, parsing YAML or JSON, applying overrides. The schema and
// the rules live in core/config-schema.ts (re-exported here, so `core/config.js` keeps offering both to the CLI
// and the Action); the policy pack and the stacks import the schema module alone and never load this one.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type Config, type ConfigInput, parseConfig } from './config-schema.js';
import { UsageError } from './errors.js';

export * from './config-schema.js';

export const DEFAULT_CONFIG_FILES = ['keywarden.yml', 'keywarden.yaml', 'keywarden.json'] as const;

/** Parses YAML or JSON text (JSON is YAML) into a plain object. */
export function parseConfigText(text: string, origin: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: false }) ?? {};
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UsageError(`${origin}: not valid YAML or JSON: ${message}`, { cause: err });
  }
}

/**
 * Loads the config: an explicit file, else the first default file in `cwd`, else the defaults.
 * Overrides (from flags or Action inputs) are applied before validation so the same rules hold.
 */
export async function loadConfig(options: {
  file?: string | undefined;
  asOf: Date;
  cwd?: string;
  overrides?: Partial<Pick<ConfigInput, 'maxKeyAgeDays' | 'warnDays' | 'unusedKeyDays'>>;
}): Promise<{ config: Config; origin: string | null; text: string | null }> {
  const cwd = options.cwd ?? process.cwd();
  let origin: string | null = null;
  let text: string | null = null;
  if (options.file) {
    origin = options.file;
    text = await readText(resolve(cwd, options.file), true, options.file);
  } else {
    for (const name of DEFAULT_CONFIG_FILES) {
      text = await readText(resolve(cwd, name), false, name);
      if (text !== null) {
        origin = name;
        break;
      }
    }
  }
  const raw = text === null ? {} : parseConfigText(text, origin ?? 'config');
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UsageError(
      `${origin}: must be a mapping of settings, not ${Array.isArray(raw) ? 'a list' : typeof raw}`,
    );
  }
  const overrides = Object.fromEntries(
    Object.entries(options.overrides ?? {}).filter(([, value]) => value !== undefined),
  );
  // Name the overrides in any error: a flag can break a rule that the file alone keeps.
  const described = Object.entries(overrides).map(([name, value]) => `${name}=${String(value)}`);
  const label = `${origin ?? 'config (defaults)'}${described.length > 0 ? ` with ${described.join(', ')}` : ''}`;
  const config = parseConfig({ ...raw, ...overrides }, { asOf: options.asOf, origin: label });
  return { config, origin, text };
}

async function readText(path: string, required: boolean, shownAs: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!required && code === 'ENOENT') return null;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? 'error');
    throw new UsageError(`${shownAs}: cannot read config file (${why})`, { cause: err });
  }
}
