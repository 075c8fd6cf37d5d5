// ARCHITECTURE.md's decision register, kept true by reading the sources: every `file` `symbol` a row cites is a
// function, constant, class, type or interface defined in that file (not imported, not re-exported), and each
// decision's value below is written in its home only; code elsewhere imports it. A row or a value that moves
// moves here too.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: the script is plain JavaScript (no declarations), run by Node as it is.
import { productFiles } from '../scripts/count-casts.mjs';

const root = resolve(import.meta.dirname, '..');

interface RegisterRow {
  line: number;
  decision: string;
  home: string;
  calledBy: string;
}

/** The rows between `<!-- register:… -->` and `<!-- /register:… -->`, cell by cell. */
function registerRows(markdown: string): RegisterRow[] {
  const rows: RegisterRow[] = [];
  let inRegister = false;
  markdown.split('\n').forEach((text, index) => {
    if (/^<!-- register:[\w-]+ -->$/.test(text)) inRegister = true;
    else if (/^<!-- \/register:[\w-]+ -->$/.test(text)) inRegister = false;
    else if (inRegister && text.startsWith('|')) {
      const [decision = '', home = '', calledBy = ''] = text
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim());
      rows.push({ line: index + 1, decision, home, calledBy });
    }
  });
  return rows;
}

const SOURCE_FILE = /^((core|cli|action|policypack|stacks|test\/support)\/[\w./-]+\.ts|bin\/[\w.-]+\.js)$/;
const SOURCE_DIR = /^(core|cli|action|policypack|stacks)\/[\w/-]*\/$/;
const SYMBOL = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)?$/;

interface Citation {
  file: string;
  symbol: string;
}

/**
 * The `file` `symbol` pairs of a cell. In the cell that names the home, every symbol belongs to the file cited
 * last before it (and a symbol with no file before it is an error); elsewhere only symbols that follow a file
 * directly (`file` `a`, `b` / `c`) are its citations, since the callers are named by what they are.
 */
function citationsOf(
  cell: string,
  everySymbolHasAFile: boolean,
): { citations: Citation[]; orphans: string[] } {
  const citations: Citation[] = [];
  const orphans: string[] = [];
  let file: string | null = null;
  let previousEnd = 0;
  for (const match of cell.matchAll(/`([^`]+)`/g)) {
    const token = match[1] ?? '';
    const between = cell.slice(previousEnd, match.index);
    previousEnd = match.index + match[0].length;
    if (SOURCE_FILE.test(token) || SOURCE_DIR.test(token)) {
      citations.push({ file: token, symbol: '' });
      file = SOURCE_DIR.test(token) ? null : token;
      continue;
    }
    if (!everySymbolHasAFile && !/^[\s,/]*$/.test(between)) file = null;
    if (!SYMBOL.test(token)) continue;
    if (file) citations.push({ file, symbol: token });
    else if (everySymbolHasAFile) orphans.push(token);
  }
  return { citations, orphans };
}

/** The names a file defines at its top level, each with the names of its members (class, interface, object). */
function definitionsOf(file: string): Map<string, Set<string>> {
  const source = ts.createSourceFile(
    file,
    readFileSync(join(root, file), 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const definitions = new Map<string, Set<string>>();
  const memberNames = (members: ts.NodeArray<ts.Node>) =>
    new Set(
      members
        .map((member) => ts.getNameOfDeclaration(member as ts.Declaration))
        .filter((name): name is ts.Identifier => name !== undefined && ts.isIdentifier(name))
        .map((name) => name.text),
    );
  for (const statement of source.statements) {
    if (
      (ts.isFunctionDeclaration(statement) || ts.isEnumDeclaration(statement)) &&
      statement.name !== undefined
    ) {
      definitions.set(statement.name.text, new Set());
    } else if (ts.isClassDeclaration(statement) && statement.name) {
      definitions.set(statement.name.text, memberNames(statement.members));
    } else if (ts.isInterfaceDeclaration(statement)) {
      definitions.set(statement.name.text, memberNames(statement.members));
    } else if (ts.isTypeAliasDeclaration(statement)) {
      definitions.set(statement.name.text, new Set());
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (!ts.isIdentifier(declaration.name)) continue;
        let initializer = declaration.initializer;
        while (initializer && (ts.isAsExpression(initializer) || ts.isSatisfiesExpression(initializer))) {
          initializer = initializer.expression;
        }
        const members =
          initializer && ts.isObjectLiteralExpression(initializer)
            ? memberNames(initializer.properties)
            : new Set<string>();
        definitions.set(declaration.name.text, members);
      }
    }
  }
  return definitions;
}

/** Why a citation is false, or null when the file defines the symbol. */
function citationProblem({ file, symbol }: Citation): string | null {
  const path = join(root, file);
  if (!existsSync(path)) return `${file} does not exist`;
  if (symbol === '')
    return file.endsWith('/') && !statSync(path).isDirectory() ? `${file} is no folder` : null;
  const [name = '', member] = symbol.split('.');
  const members = definitionsOf(file).get(name);
  if (!members) return `${file} does not define ${name}`;
  if (member !== undefined && !members.has(member)) return `${file} ${name} has no member ${member}`;
  return null;
}

const architecture = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8');
const rows = registerRows(architecture);

describe("ARCHITECTURE.md's decision register", () => {
  it('finds the register, each row with a home', () => {
    // Assess
    expect(rows.length).toBeGreaterThan(50);
    for (const row of rows) {
      expect(
        citationsOf(row.home, true).citations.length,
        `line ${row.line}: ${row.decision}`,
      ).toBeGreaterThan(0);
    }
  });

  it.each(rows.map((row) => [row.line, row.decision, row] as const))(
    'line %i (%s): names what the files it cites define',
    (_line, _decision, row) => {
      // Prepare
      const home = citationsOf(row.home, true);
      const callers = citationsOf(row.calledBy, false);

      // Act
      const problems = [
        ...home.orphans.map((symbol) => `${symbol} names no file before it`),
        ...[...home.citations, ...callers.citations]
          .map(citationProblem)
          .filter((problem) => problem !== null),
      ];

      // Assess
      expect(problems).toEqual([]);
    },
  );

  it('reads a citation as a file, then the symbols after it', () => {
    // Assess
    expect(citationsOf('`core/a.ts` `b`, `c` (per user: `d`); `core/e/` `core/f.ts` `G.h`', true)).toEqual({
      citations: [
        { file: 'core/a.ts', symbol: '' },
        { file: 'core/a.ts', symbol: 'b' },
        { file: 'core/a.ts', symbol: 'c' },
        { file: 'core/a.ts', symbol: 'd' },
        { file: 'core/e/', symbol: '' },
        { file: 'core/f.ts', symbol: '' },
        { file: 'core/f.ts', symbol: 'G.h' },
      ],
      orphans: [],
    });
    expect(citationsOf('`x` then `core/a.ts` `b` (via `c`)', false).citations).toEqual([
      { file: 'core/a.ts', symbol: '' },
      { file: 'core/a.ts', symbol: 'b' },
    ]);
    expect(citationsOf('`x` then `core/a.ts` `b`', true).orphans).toEqual(['x']);
  });

  it('counts an import or a re-export as no definition', () => {
    // Assess
    expect(citationProblem({ file: 'core/accounts/index.ts', symbol: 'parseAccountsSpec' })).toBe(
      'core/accounts/index.ts does not define parseAccountsSpec',
    );
    expect(citationProblem({ file: 'core/accounts/spec.ts', symbol: 'parseAccountsSpec' })).toBeNull();
  });
});

/**
 * The tokens of a source, one space apart, without its comments: a value named in a comment is not a second
 * home. (Read by the compiler: a `/*` inside a string or a template is no comment.)
 */
function codeOf(file: string): string {
  const source = ts.createSourceFile(
    file,
    readFileSync(join(root, file), 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const tokens: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isJSDoc(node)) return;
    const children = node.getChildren(source);
    if (children.length === 0) tokens.push(node.getText(source));
    else children.forEach(visit);
  };
  visit(source);
  return tokens.join(' ');
}

/** A setting's default written beside its name (`warnDays: 14`, `'warn-days' … '14'`). */
const settingDefault = (names: string, value: number) =>
  new RegExp(`\\b(${names})['"]?\\s*(\\?\\?|[:=])\\s*['"]?${value}\\b`, 'i');

interface ValueHome {
  value: string;
  pattern: RegExp;
  home: string;
  /** Files where the same characters mean something else, each with what. */
  unrelated?: Record<string, string>;
}

/** Each decision's value and the one file that writes it; every other product file imports it from there. */
const VALUE_HOMES: ValueHome[] = [
  {
    value: 'the trail retention default, 2,557 days',
    pattern: /\b2_?557\b/,
    home: 'core/policy/settings.ts',
    unrelated: { 'core/infra/log-retention.ts': "CloudWatch Logs' list of the retention periods it accepts" },
  },
  {
    value: 'the trail prefix default, trail/',
    pattern: /['"`]trail\/['"`]/,
    home: 'core/policy/settings.ts',
  },
  {
    value: 'the default maximum key age, 90 days',
    pattern: settingDefault('maxKeyAgeDays|max-key-age-days', 90),
    home: 'core/policy/settings.ts',
  },
  {
    value: 'the default warning, 14 days',
    pattern: settingDefault('warnDays|warn-days', 14),
    home: 'core/policy/settings.ts',
  },
  {
    value: 'the default unused-key limit, 45 days',
    pattern: settingDefault('unusedKeyDays|unused-key-days', 45),
    home: 'core/policy/settings.ts',
  },
  {
    value: 'the default rotation day, 80',
    pattern: settingDefault('rotateAtDays|rotate-at-days', 80),
    home: 'core/policy/settings.ts',
  },
  {
    value: 'the default deactivation and deletion delays, 7 days',
    pattern: settingDefault('deactivateAfterDays|deleteAfterDays|deactivate-after-days|delete-after-days', 7),
    home: 'core/policy/settings.ts',
  },
  {
    value: 'the credential_process expiration range, 15 to 720 minutes',
    pattern: /\bmin\s*:\s*15\b|\b720\b/,
    home: 'core/credentials/expiration.ts',
  },
  {
    value: 'what the trail bucket refuses to everyone (record deletions, retention bypass, lifecycle expiry)',
    pattern: /s3:(DeleteObjectVersion|BypassGovernanceRetention|PutLifecycleConfiguration)\b/,
    home: 'core/infra/worm.ts',
  },
  {
    value: 'the clock skew a write-ahead marker allows, 5 minutes',
    pattern: /\b5\s*\*\s*60_?000\b|\b300_?000\b/,
    home: 'core/rotation/timeline.ts',
    unrelated: { 'core/inventory/live.ts': "the credential report's generation budget" },
  },
  {
    value: 'the schedule slack, 1 hour before a step is due',
    pattern: /\b60\s*\*\s*60_?000\b|\b3_?600_?000\b/,
    home: 'core/rotation/timeline.ts',
    unrelated: {
      'core/audit/run.ts': "how old a credential report may be (AWS's 4 hours)",
      'core/trail/s3.ts': "the slack on S3's LastModified of a record",
    },
  },
  {
    value: "the managed secrets' name prefix, keywarden/",
    pattern: /keywarden\/(<account|\$\{[^}]+\}\/\$\{)/,
    home: 'core/aws/permissions.ts',
  },
  { value: 'the owner-id tag name', pattern: /keywarden:owner-id/, home: 'core/aws/permissions.ts' },
];

/**
 * Restatements in files that another branch is rewriting (the rotation engine): the lead empties this list
 * when that branch merges, with each file importing the value from its home.
 */
const PENDING: Record<string, string[]> = {};

describe('each decision value, written in its home only', () => {
  const sources = (productFiles() as string[]).map((file) => ({
    file,
    code: codeOf(file),
  }));

  it.each(VALUE_HOMES.map((entry) => [entry.value, entry] as const))('%s', (_value, entry) => {
    // Prepare
    const allowed = new Set([
      entry.home,
      ...Object.keys(entry.unrelated ?? {}),
      ...(PENDING[entry.value] ?? []),
    ]);

    // Act
    const written = sources.filter(({ code }) => entry.pattern.test(code)).map(({ file }) => file);

    // Assess
    expect(written).toContain(entry.home);
    expect(written.filter((file) => !allowed.has(file))).toEqual([]);
  });

  it.each(VALUE_HOMES.map((entry) => [entry.home, entry.value, entry] as const))(
    '%s writes %s once',
    (home, _value, entry) => {
      // Prepare
      const code = sources.find(({ file }) => file === home)?.code ?? '';

      // Act
      const matches = [...code.matchAll(new RegExp(entry.pattern.source, `${entry.pattern.flags}g`))].map(
        ([match]) => match,
      );

      // Assess
      expect(matches.filter((match, index) => matches.indexOf(match) !== index)).toEqual([]);
    },
  );
});
