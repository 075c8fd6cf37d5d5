// Loading keywarden.yml: finding and reading the file, parsing YAML or JSON, applying overrides. The schema and
// the rules live in core/policy/schema.ts, the parser in core/policy/parse-text.ts; both are imported only when there is
// something to validate, so that a run with neither a config file nor an override (the defaults, valid by
// construction) loads neither zod nor the YAML parser. The policy pack and the stacks import the schema alone.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { errorCode, UsageError } from '../errors.js';
import type { Config, ConfigInput } from './schema.js';
import { rotationStepsFor, SETTING_DEFAULTS } from './settings.js';

export const DEFAULT_CONFIG_FILES = ['keywarden.yml', 'keywarden.yaml', 'keywarden.json'] as const;

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
  const overrides = Object.fromEntries(
    Object.entries(options.overrides ?? {}).filter(([, value]) => value !== undefined),
  );
  // Nothing to validate: the defaults are what the schema gives for an empty config (a test holds them equal).
  if (text === null && Object.keys(overrides).length === 0) return { config: defaultConfig(), origin, text };
  const raw =
    text === null ? {} : (await import('./parse-text.js')).parseConfigText(text, origin ?? 'config');
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UsageError(
      `${origin}: must be a mapping of settings, not ${Array.isArray(raw) ? 'a list' : typeof raw}`,
    );
  }
  // Name the overrides in any error: a flag can break a rule that the file alone keeps.
  const described = Object.entries(overrides).map(([name, value]) => `${name}=${String(value)}`);
  const label = `${origin ?? 'config (defaults)'}${described.length > 0 ? ` with ${described.join(', ')}` : ''}`;
  const { parseConfig } = await import('./schema.js');
  const config = parseConfig({ ...raw, ...overrides }, { asOf: options.asOf, origin: label });
  return { config, origin, text };
}

/** The config of a run without a file and without overrides: every setting at its default, no exemptions. */
export function defaultConfig(): Config {
  return {
    maxKeyAgeDays: SETTING_DEFAULTS.maxKeyAgeDays,
    warnDays: SETTING_DEFAULTS.warnDays,
    unusedKeyDays: SETTING_DEFAULTS.unusedKeyDays,
    rotation: {
      ...SETTING_DEFAULTS.rotation,
      ...rotationStepsFor(SETTING_DEFAULTS.maxKeyAgeDays),
    },
    scope: { ...SETTING_DEFAULTS.scope },
    exemptions: [],
    frameworks: { cis: [...SETTING_DEFAULTS.frameworks.cis] },
  };
}

async function readText(path: string, required: boolean, shownAs: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = errorCode(err);
    if (!required && code === 'ENOENT') return null;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? 'error');
    throw new UsageError(`${shownAs}: cannot read config file (${why})`, { cause: err });
  }
}
