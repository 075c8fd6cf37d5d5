import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PART11_MAPPING } from '../../core/policy/controls/part11.js';
import rootPackage from '../../package.json' with { type: 'json' };
import { docSection, docText, REPO } from '../support/docs.js';

/** README.md and every guide under docs/: the text a user reads. */
function userDocs(): [string, string][] {
  const under = (dir: string): string[] =>
    readdirSync(join(REPO, dir)).flatMap((name) =>
      statSync(join(REPO, dir, name)).isDirectory()
        ? under(`${dir}/${name}`)
        : name.endsWith('.md')
          ? [`${dir}/${name}`]
          : [],
    );
  return ['README.md', ...under('docs')].map((path) => [path, docText(path)]);
}

/** Megabytes as npm counts and prints them (10^6 bytes), to one decimal: the precision the docs state. */
const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1);

/** Every figure a pattern captures, across the docs, with where it was written. */
function statements(pattern: RegExp): { where: string; value: string }[] {
  return userDocs().flatMap(([path, text]) =>
    [...text.matchAll(pattern)].map((match) => ({ where: path, value: match[1] ?? '' })),
  );
}

describe('sizes written in the docs', () => {
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8' }),
  ) as [{ size: number; unpackedSize: number }];

  it('state the CLI package as npm pack measures it: unpacked (unpackedSize) and packed (size)', () => {
    const unpacked = statements(/([\d.]+) MB unpacked/g);
    const downloaded = statements(/([\d.]+) MB packed/g);

    expect(unpacked.map((s) => s.where)).toContain('README.md');
    expect(downloaded.map((s) => s.where)).toContain('README.md');
    for (const statement of unpacked)
      expect(statement).toEqual({ ...statement, value: megabytes(packed.unpackedSize) });
    for (const statement of downloaded)
      expect(statement).toEqual({ ...statement, value: megabytes(packed.size) });
  });

  it('state the Action bundle as the files a runner checks out: dist/index.js and its chunks', () => {
    const chunks = join(REPO, 'dist', 'action');
    const bytes = readdirSync(chunks).reduce(
      (total, name) => total + statSync(join(chunks, name)).size,
      statSync(join(REPO, 'dist', 'index.js')).size,
    );
    const stated = statements(/([\d.]+) MB \(`dist\/index\.js` and `dist\/action\/`\)/g);

    expect(stated.length).toBeGreaterThan(0);
    for (const statement of stated) expect(statement).toEqual({ ...statement, value: megabytes(bytes) });
  });

  it('give no installed size in any other form', () => {
    const other = userDocs().flatMap(([path, text]) =>
      [...text.matchAll(/[\d.]+ MB (?:installed|on disk)/g)].map((match) => `${path}: ${match[0]}`),
    );

    expect(other).toEqual([]);
  });
});

describe('the Part 11 promise of the README', () => {
  it('lists exactly the clauses keywarden maps, in its order', () => {
    const table = docSection('README.md', 'part11');
    const clauses = [...table.matchAll(/^\| (11\.[\d()a-z]+) \|/gm)].map((match) => match[1]);

    expect(clauses).toEqual(PART11_MAPPING.map((row) => row.clause));
  });
});

describe('actions pinned in the docs', () => {
  /** action → `sha # version`, as examples/workflows/ pins it. */
  const examplePins = new Map<string, string>();
  for (const file of readdirSync(join(REPO, 'examples', 'workflows'))) {
    const text = readFileSync(join(REPO, 'examples', 'workflows', file), 'utf8');
    for (const [, action, pin] of text.matchAll(/uses:\s*([\w.-]+\/[\w.-]+)@(\S+ # \S+)/g)) {
      examplePins.set(action ?? '', pin ?? '');
    }
  }

  it('reads the pins of examples/workflows/, keywarden among them at its own version', () => {
    expect(examplePins.get('acme/keywarden')).toBe(`${'0'.repeat(40)} # v${rootPackage.version}`);
    expect(examplePins.get('actions/checkout')).toMatch(/^[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it.each(userDocs().map(([path]) => [path]))(
    '%s pins every action it uses by full commit SHA, as examples/workflows/ does',
    (path) => {
      const text = docText(path);
      const uses = [...text.matchAll(/uses:\s*([\w.-]+\/[\w.-]+)@([^\n]*)/g)].map(
        ([, action, pin]) => [action, pin?.trim()] as const,
      );

      for (const [action, pin] of uses) {
        expect({ action, pin }).toEqual({
          action,
          pin: examplePins.get(action ?? '') ?? 'a pin from examples/',
        });
      }
      expect(text.match(/[\w.-]+\/[\w.-]+@v\d[\w.]*/g) ?? []).toEqual([]);
    },
  );

  it('finds every workflow example of the docs well-formed YAML', () => {
    for (const [path, text] of userDocs()) {
      for (const [, block] of text.matchAll(/```yaml\n([\s\S]*?)```/g)) {
        expect(() => parse(block ?? ''), path).not.toThrow();
      }
    }
  });
});
