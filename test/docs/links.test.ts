import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchorsOf, docText, prose, REPO } from '../support/docs.js';

/** The Markdown a reader follows links through: the front door, the guides, the architecture and contributing pages. */
function documentationFiles(): string[] {
  const guides = (dir: string): string[] =>
    readdirSync(join(REPO, dir)).flatMap((name) => {
      const path = `${dir}/${name}`;
      if (statSync(join(REPO, path)).isDirectory()) return guides(path);
      return name.endsWith('.md') ? [path] : [];
    });
  return ['README.md', 'ARCHITECTURE.md', 'CONTRIBUTING.md', ...guides('docs')];
}

/** Every relative link of a file (Markdown links and images), with its line for the message. */
function relativeLinks(file: string): { target: string; line: number }[] {
  const text = prose(docText(file));
  return text.split('\n').flatMap((line, index) =>
    [...line.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
      .map((match) => match[1] ?? '')
      .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
      .map((target) => ({ target, line: index + 1 })),
  );
}

describe('links in the documentation', () => {
  const files = documentationFiles();

  it('reads the front door, the guides, ARCHITECTURE.md and CONTRIBUTING.md', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/design.md', 'docs/audit.md']));
  });

  it.each(files)('%s: every relative link and #anchor resolves', (file) => {
    const broken: string[] = [];
    for (const { target, line } of relativeLinks(file)) {
      const [path = '', anchor] = target.split('#');
      const resolved = path === '' ? resolve(REPO, file) : resolve(REPO, dirname(file), decodeURI(path));
      const where = `${file}:${line} → ${target}`;
      if (!resolved.startsWith(REPO) || !existsSync(resolved)) {
        broken.push(`${where}: no such file`);
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (!resolved.endsWith('.md')) {
        broken.push(`${where}: an anchor into a file that is not Markdown`);
        continue;
      }
      if (!anchorsOf(docText(relative(REPO, resolved))).has(anchor)) broken.push(`${where}: no such heading`);
    }
    expect(broken).toEqual([]);
  });
});

describe('the README', () => {
  it('stays a front door: at most 400 lines, the rest in the guides it links', () => {
    expect(docText('README.md').split('\n').length).toBeLessThanOrEqual(400);
  });
});

describe('anchorsOf', () => {
  it('gives the anchors GitHub gives', () => {
    const anchors = anchorsOf(
      [
        '## Auditing keys: `keywarden audit`',
        '### The audit trail (21 CFR 11.10(e))',
        '## Stacks: the rotation Lambda and the Action’s audit role',
        '## Exit codes',
        '## Exit codes',
        '```sh',
        '# not a heading',
        '```',
      ].join('\n'),
    );

    expect([...anchors]).toEqual([
      'auditing-keys-keywarden-audit',
      'the-audit-trail-21-cfr-1110e',
      'stacks-the-rotation-lambda-and-the-actions-audit-role',
      'exit-codes',
      'exit-codes-1',
    ]);
  });
});
