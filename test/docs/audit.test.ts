import { describe, expect, it } from 'vitest';
import {
  docSection,
  fencedBlocks,
  nonBlankLines,
  quickStartCommands,
  runAsWritten,
} from '../support/docs.js';

const section = docSection('docs/audit.md', 'audit');
const auditExamples = nonBlankLines(fencedBlocks(section, 'sh')[0] ?? '');

describe('docs/audit.md', () => {
  it('starts its examples with the quick-start audit', () => {
    expect(auditExamples[0]).toBe(quickStartCommands()[1]);
  });

  it.each(auditExamples.map((command) => [command]))('runs `%s` as written', (command) => {
    const { exitCode, stdout } = runAsWritten(command);

    expect([0, 1]).toContain(exitCode);
    expect(stdout.length).toBeGreaterThan(0);
  });

  it('shows lines that the first example really prints', () => {
    // Prepare
    const shown = nonBlankLines(fencedBlocks(section, '')[1] ?? '').filter((line) => line !== '…');

    // Act
    const printed = runAsWritten(auditExamples[0] as string).stdout.split('\n');

    // Assess
    expect(shown.length).toBeGreaterThan(5);
    for (const line of shown) expect(printed).toContain(line);
  });

  it('shows a JSON example that is the sample report’s own head', () => {
    // Prepare
    const example = JSON.parse(fencedBlocks(section, 'json')[0] ?? '');

    // Act
    const real = JSON.parse(runAsWritten(auditExamples[1] as string).stdout);

    // Assess
    expect({ ...example, tool: real.tool }).toEqual({ ...real, findings: real.findings.slice(0, 1) });
  });
});
