// Parsing the text of keywarden.yml. Its own module so that the loader (core/policy/load.ts) imports the YAML parser
// only when there is a file to parse.
import { parse as parseYaml, YAMLError } from 'yaml';
import { UsageError } from '../errors.js';

/**
 * Parses YAML or JSON text (JSON is YAML) into a plain object. A syntax error is reported as
 * `origin:line:column: …`, the position editors and CI annotations jump to.
 */
export function parseConfigText(text: string, origin: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: true }) ?? {};
  } catch (err) {
    if (err instanceof YAMLError && err.linePos) {
      const [{ line, col }] = err.linePos;
      // The pretty message repeats the position and adds a code frame: keep its first clause only.
      const message = (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      throw new UsageError(`${origin}:${line}:${col}: not valid YAML or JSON: ${message}`, { cause: err });
    }
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UsageError(`${origin}: not valid YAML or JSON: ${message}`, { cause: err });
  }
}
