// The layering of ARCHITECTURE.md, kept by reading the sources: what may import what, where the environment is
// read and where days are counted. A rule broken here is a design change: change ARCHITECTURE.md with it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const SURFACES = ['cli', 'action', 'policypack', 'stacks'] as const;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .filter((file) => !file.split('/').includes('bin') && !file.split('/').includes('node_modules'));
}

interface ImportEdge {
  specifier: string;
  typeOnly: boolean;
}

/** Every module a file imports at run time or for types: static imports, re-exports and import() calls. */
function importsOf(file: string): ImportEdge[] {
  const source = ts.createSourceFile(
    file,
    readFileSync(join(root, file), 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const edges: ImportEdge[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        Boolean(clause?.isTypeOnly) ||
        Boolean(
          clause?.namedBindings &&
            ts.isNamedImports(clause.namedBindings) &&
            !clause.name &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((element) => element.isTypeOnly),
        );
      edges.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      edges.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      edges.push({ specifier: node.arguments[0].text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** A relative specifier as a repository path (`../time.js` from core/rotation/x.ts → core/time.ts). */
function resolveRelative(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const target = relative(root, resolve(root, dirname(from), specifier));
  return target.replace(/\.js$/, '.ts');
}

/** Every package a module reaches at run time, following relative imports (type-only edges carry no code). */
function runtimePackagesReachedFrom(start: string): Map<string, string> {
  const reached = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    let edges: ImportEdge[];
    try {
      edges = importsOf(file);
    } catch {
      continue; // an index.js re-export of a directory, or a generated file: nothing to follow
    }
    for (const edge of edges) {
      if (edge.typeOnly) continue;
      const local = resolveRelative(file, edge.specifier);
      if (local) queue.push(local);
      else if (!reached.has(edge.specifier)) reached.set(edge.specifier, file);
    }
  }
  return reached;
}

/** Source without its comments: a rule about code is not broken by a comment that names it. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

const coreFiles = sourceFiles('core');
const productFiles = [...coreFiles, ...SURFACES.flatMap((surface) => sourceFiles(surface))];

describe('the architecture of ARCHITECTURE.md', () => {
  it('keeps core free of every surface', () => {
    const offending = coreFiles.flatMap((file) =>
      importsOf(file)
        .map((edge) => resolveRelative(file, edge.specifier))
        .filter((target): target is string => target !== null)
        .filter((target) => SURFACES.some((surface) => target.startsWith(`${surface}/`)))
        .map((target) => `${file} → ${target}`),
    );
    expect(offending).toEqual([]);
  });

  // The pure modules decide; they never call AWS, so they can be tested with a clock and data alone.
  const pureModules = coreFiles.filter((file) =>
    /^core\/(policy\/(evaluate|verdicts|exemption|controls\/[^/]+)|rotation\/(planner|timeline|notices)|report\/(?!security-hub)[^/]+|evidence\/(model|markdown|html|chart|escape))\.ts$/.test(
      file,
    ),
  );

  // The drawing under "Where things are" lists core's folders from the foundations down; a folder may import at
  // run time only the folders drawn above it, which leaves no import circle between folders.
  const drawing =
    readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8').match(/```\ncore\/\n([\s\S]*?)```/)?.[1] ?? '';
  const drawnFolders = [...drawing.matchAll(/^ {2}([a-z]+)\//gm)].map((match) => match[1] ?? '');
  const folderOf = (file: string): string | undefined => file.split('/').slice(1, -1)[0];

  it('draws every folder of core', () => {
    const folders = [...new Set(coreFiles.map(folderOf).filter((folder) => folder !== undefined))];
    expect([...drawnFolders].sort()).toEqual(folders.sort());
  });

  it('lets a folder of core import at run time only folders drawn above it', () => {
    const offending = coreFiles.flatMap((file) => {
      const from = folderOf(file);
      if (from === undefined) return [];
      return importsOf(file)
        .filter((edge) => !edge.typeOnly)
        .map((edge) => resolveRelative(file, edge.specifier))
        .filter((target): target is string => target?.startsWith('core/') === true)
        .filter((target) => {
          const to = folderOf(target);
          return to !== undefined && to !== from && drawnFolders.indexOf(to) > drawnFolders.indexOf(from);
        })
        .map((target) => `${file} → ${target}`);
    });
    expect(offending).toEqual([]);
  });

  it('finds the pure modules it guards', () => {
    expect(pureModules).toEqual(
      expect.arrayContaining(['core/policy/evaluate.ts', 'core/rotation/planner.ts']),
    );
  });

  it.each(pureModules)('lets %s reach no AWS client at run time', (file) => {
    const aws = [...runtimePackagesReachedFrom(file)].filter(([specifier]) =>
      specifier.startsWith('@aws-sdk/'),
    );
    expect(aws.map(([specifier, via]) => `${specifier} (via ${via})`)).toEqual([]);
  });

  // The edges read the environment and hand values down; everything below them takes what it is given.
  // Two more, each for a reason: core/aws/clients.ts is the one adapter that falls back to this process's environment,
  // the one the AWS SDK reads itself; the policy pack's clock (KEYWARDEN_AS_OF) is read where a policy runs,
  // since Pulumi hands a policy nothing but its config.
  const EDGES = [
    /^core\/aws\/clients\.ts$/,
    /^policypack\/lib\/config\.ts$/,
    /^cli\/(index|main|io)\.ts$/,
    /^action\/(index|main)\.ts$/,
    /^stacks\/rotation\/handler\.ts$/,
    /^stacks\/[^/]+\/index\.ts$/,
    /^policypack\/index\.ts$/,
  ];

  it('reads process.env only at the edges', () => {
    const offending = productFiles
      .filter((file) => !EDGES.some((edge) => edge.test(file)))
      .filter((file) => /\bprocess\.env\b/.test(withoutComments(readFileSync(join(root, file), 'utf8'))));
    expect(offending).toEqual([]);
  });

  it('counts days only in core/time.ts', () => {
    const dayArithmetic = /86_?400_?000|24\s*\*\s*60\s*\*\s*60|\bDAY_MS\s*=/;
    const offending = productFiles
      .filter((file) => file !== 'core/time.ts')
      .filter((file) => dayArithmetic.test(readFileSync(join(root, file), 'utf8')));
    expect(offending).toEqual([]);
  });
});
