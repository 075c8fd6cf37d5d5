import { ExitCode } from './errors.js';

/**
 * What each exit code means: one table for every command's --help, docs/audit.md and the Action's docs.
 * Exit 1 is the only code whose meaning depends on the command ("something needs a person"), so each
 * command names its own reason for it; the others mean the same everywhere.
 */
export const EXIT_CODES: ReadonlyArray<{ code: ExitCode; meaning: string }> = [
  { code: ExitCode.ok, meaning: 'done; nothing needs attention' },
  { code: ExitCode.findings, meaning: 'done, and something needs a person (see below)' },
  {
    code: ExitCode.usage,
    meaning: 'usage, config or input error: one line on stderr, nothing changed',
  },
  {
    code: ExitCode.incomplete,
    meaning: 'incomplete: AWS could not be read or written completely (access, throttling, network)',
  },
];

/** What exit 1 means for each command, by its full name ("trail verify"). */
export const FINDINGS_MEANING: Readonly<Record<string, string>> = {
  audit: 'findings at or above --fail-on',
  check: 'a mandatory violation (advisories alone exit 0)',
  rotate: 'refused, blocked or not confirmed: a person must act first',
  doctor: 'a check failed',
  'trail verify': 'the trail is broken (the first bad seq is named)',
  evidence: 'the pack was written, but the trail is broken (the pack says so)',
};

/** The "Exit codes:" block of a command's --help. */
export function exitCodesHelp(command: string): string {
  const findings = FINDINGS_MEANING[command];
  const rows = EXIT_CODES.filter((row) => row.code !== ExitCode.findings || findings).map(
    (row) => `  ${row.code}  ${row.code === ExitCode.findings && findings ? findings : row.meaning}`,
  );
  return `\nExit codes:\n${rows.join('\n')}\n`;
}
