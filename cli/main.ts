import { Command, CommanderError } from 'commander';
import { envFlag } from '../core/env.js';
import {
  classifyAwsError,
  describeError,
  describeErrorChain,
  ExitCode,
  IncompleteError,
  UsageError,
} from '../core/errors.js';
import { TOOL } from '../core/version.js';
import { registerAudit } from './commands/audit.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEvidence } from './commands/evidence.js';
import { registerRotate } from './commands/rotate.js';
import { registerTrail } from './commands/trail.js';
import type { Io } from './io.js';

export function createProgram(io: Io, setExitCode: (code: number) => void): Command {
  const program = new Command('keywarden')
    .description('Keeps AWS IAM user access keys rotated, and proves it (GxP / 21 CFR Part 11).')
    .version(TOOL.version)
    .option('--debug', 'on an error, also print its cause chain and stack on stderr (or KEYWARDEN_DEBUG=1)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // One line per error: commander puts its "(Did you mean …?)" on a second line.
      outputError: (text, write) => write(`keywarden: ${text.trim().replace(/\s*\n\s*/g, ' ')}\n`),
    });
  registerAudit(program, io, setExitCode);
  registerRotate(program, io, setExitCode);
  registerDoctor(program, io, setExitCode);
  registerEvidence(program, io, setExitCode);
  registerTrail(program, io, setExitCode);
  return program;
}

/**
 * The CLI's edge: the only place where errors become exit codes and one-line messages.
 * 0 nothing at or above --fail-on · 1 findings · 2 usage/config/input · 3 incomplete.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });
  let debug = false;
  try {
    debug = envFlag(io.env, 'KEYWARDEN_DEBUG') || argv.includes('--debug');
    await program.parseAsync(argv as string[], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other commander error is a usage error, already printed.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof UsageError || err instanceof IncompleteError) {
      io.stderr.write(`keywarden: ${err.message}${doctorHint(err)}\n`);
      if (debug) io.stderr.write(`${describeErrorChain(err)}\n`);
      return err.exitCode;
    }
    // Anything else (AWS failing past retries, no credentials, a bug) means the work did not complete.
    io.stderr.write(`keywarden: ${describeError(err)}${doctorHint(err)}\n`);
    if (debug) io.stderr.write(`${describeErrorChain(err)}\n`);
    return ExitCode.incomplete;
  }
}

/**
 * Where AWS could not be reached or no credentials were found, point to the command that finds out why. Added here, at the edge,
 * so that no message from core says it (doctor itself reports these as checks and never throws them).
 */
function doctorHint(err: unknown): string {
  const kind = classifyAwsError(err);
  return kind === 'credentials' || kind === 'network' ? '; run keywarden doctor' : '';
}
