import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OFFLINE_QUARANTINE_NOTE } from '../../core/audit/run.js';
import { QUARANTINE_EVENT_INPUT, quarantineEventPattern } from '../../core/infra/quarantine-rule.js';
import { runCli } from '../support/capture-io.js';

const ROOT = resolve(import.meta.dirname, '../..');
const GUIDE = readFileSync(join(ROOT, 'docs/compromised-keys.md'), 'utf8');
const blocks = (language: string) =>
  [...GUIDE.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) =>
    (m[1] ?? '').replace(/^ {3}/gm, ''),
  );

describe('docs/compromised-keys.md', () => {
  it('shows the event pattern the stack deploys and the pack requires', () => {
    expect(JSON.parse(blocks('json')[0] ?? '')).toEqual(quarantineEventPattern());
  });

  it("shows the function's input as the rule's input transformer writes it", () => {
    expect((blocks('json')[1] ?? '').trim()).toBe(
      QUARANTINE_EVENT_INPUT.inputTemplate.replace(/<(\w+)>/g, '"<$1>"'),
    );
  });

  it('runs its offline example, which says once that a saved report cannot show the quarantine', async () => {
    // Prepare
    const command = (blocks('sh')[0] ?? '').trim().replace(/^npx keywarden /, '');
    const cwd = mkdtempSync(join(tmpdir(), 'kw-guide-'));
    const argv = command.split(/\s+/).map((arg) => (arg.startsWith('examples/') ? join(ROOT, arg) : arg));

    // Act
    const run = await runCli(argv, { cwd, now: new Date('2026-11-28T00:00:00Z') });

    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr.split(OFFLINE_QUARANTINE_NOTE)).toHaveLength(2);
    const shown = /prints `keywarden: note: ([^`…]+) …`/.exec(GUIDE)?.[1] ?? 'missing';
    expect(OFFLINE_QUARANTINE_NOTE.startsWith(shown)).toBe(true);
    expect(JSON.parse(readFileSync(join(cwd, 'report.json'), 'utf8')).notes).toEqual([
      OFFLINE_QUARANTINE_NOTE,
    ]);
  });

  it('links only to files that exist', () => {
    for (const [, target] of GUIDE.matchAll(/\]\((?!https?:)([^)#]+)/g)) {
      expect(() => readFileSync(resolve(ROOT, 'docs', target ?? ''))).not.toThrow();
    }
  });
});
