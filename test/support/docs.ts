import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The repository's root: every documentation path below is relative to it. */
export const REPO = resolve(import.meta.dirname, '..', '..');

/** A documentation file's text (`README.md`, `docs/audit.md`, …). */
export function docText(path: string): string {
  return readFileSync(resolve(REPO, path), 'utf8');
}

/**
 * The text between `<!-- section:NAME -->` and `<!-- /section:NAME -->` of a documentation file: the piece of the
 * docs a test holds to the product. Throws when the markers are missing, so a moved section fails loudly rather
 * than leaving a test that reads nothing.
 */
export function docSection(path: string, name: string): string {
  const text = docText(path);
  const start = text.indexOf(`<!-- section:${name} -->`);
  const end = text.indexOf(`<!-- /section:${name} -->`);
  if (start < 0 || end < start) throw new Error(`${path} has no section "${name}"`);
  return text.slice(start, end);
}

/** The fenced blocks of a piece of documentation with the given info string ('' for plain blocks), in order. */
export function fencedBlocks(text: string, info: string): string[] {
  return [...text.matchAll(/```(\w*)\n([\s\S]*?)```/g)]
    .filter((match) => match[1] === info)
    .map((match) => match[2] ?? '');
}

/** Runs a documented command line through a shell from the repository root, as a reader would. */
export function runAsWritten(command: string): { exitCode: number; stdout: string } {
  try {
    const stdout = execSync(command, {
      cwd: REPO,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    return { exitCode: 0, stdout };
  } catch (err) {
    const failed = err as { status: number; stdout: string };
    return { exitCode: failed.status, stdout: failed.stdout };
  }
}

/** The lines of a fenced block that are not blank. */
export const nonBlankLines = (block: string) => block.split('\n').filter((line) => line.trim() !== '');

/** The quick start's commands: `npm ci`, the sample audit, `npm test`. */
export const quickStartCommands = () =>
  nonBlankLines(fencedBlocks(docSection('README.md', 'quickstart'), 'sh')[0] ?? '');

/** The text a reader sees as prose: fenced blocks and inline code hold no links. */
export function prose(markdown: string): string {
  return markdown.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1\s*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens; repeats get -1, -2, … */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutFences = markdown.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1\s*$/gm, '');
  for (const [, heading] of withoutFences.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = (heading ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const [, id] of withoutFences.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id ?? '');
  return anchors;
}
