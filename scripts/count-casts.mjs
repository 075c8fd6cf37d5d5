// Counts the type assertions in product code (core/, cli/, action/, policypack/, stacks/): every `x as T` and
// `<T>x`, `as unknown as T` once per `as`. `as const` is not a cast (it widens nothing) and a non-null `!` is not
// counted. Outside data is parsed once at the boundary (zod or a typed guard), so the code inside needs few casts;
// test/scripts/count-casts.test.ts holds the total to a limit.
//
//   node scripts/count-casts.mjs          the total, then each file with casts, most first
//   node scripts/count-casts.mjs --json   { total, files: { path: count } }
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../', import.meta.url));

/** The folders of product code; tests, benchmarks, bundles and compiled stacks are not product code. */
export const PRODUCT_DIRS = ['core', 'cli', 'action', 'policypack', 'stacks'];
const SKIPPED_DIRS = new Set(['node_modules', 'bin', 'dist']);

/** Every product source file (TypeScript, no declarations), as a path from the repository root. */
export function productFiles(base = root) {
  return PRODUCT_DIRS.flatMap((dir) =>
    readdirSync(join(base, dir), { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
      .map((entry) => relative(base, join(entry.parentPath, entry.name)))
      .filter((file) => !file.split('/').some((part) => SKIPPED_DIRS.has(part))),
  ).sort();
}

function isAsConst(node) {
  return (
    ts.isTypeReferenceNode(node.type) &&
    ts.isIdentifier(node.type.typeName) &&
    node.type.typeName.text === 'const'
  );
}

/** The type assertions in one source text. */
export function castsIn(fileName, text) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  let count = 0;
  const visit = (node) => {
    if ((ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) && !isAsConst(node)) count += 1;
    ts.forEachChild(node, visit);
  };
  visit(source);
  return count;
}

/** Casts per product file (files without any are left out) and their total. */
export function countCasts(base = root) {
  const files = {};
  let total = 0;
  for (const file of productFiles(base)) {
    const count = castsIn(file, readFileSync(join(base, file), 'utf8'));
    if (count === 0) continue;
    files[file] = count;
    total += count;
  }
  return { total, files };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { total, files } = countCasts();
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ total, files }, null, 2)}\n`);
  } else {
    const lines = Object.entries(files)
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .map(([file, count]) => `${String(count).padStart(4)}  ${file}`);
    process.stdout.write(`${[`${total} type assertions in product code`, ...lines].join('\n')}\n`);
  }
}
