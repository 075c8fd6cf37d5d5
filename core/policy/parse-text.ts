// Parsing the text of keywarden.yml. Its own module so that the loader (core/policy/load.ts) imports the YAML parser
// only when there is a file to parse.
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';

/** Parses YAML or JSON text (JSON is YAML) into a plain object. */
export function parseConfigText(text: string, origin: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: false }) ?? {};
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UsageError(`${origin}: not valid YAML or JSON: ${message}`, { cause: err });
  }
}
