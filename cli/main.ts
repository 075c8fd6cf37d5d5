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
import { exitCodesHelp } from '../core/exit-codes.js';
import { TOOL } from '../core/version.js';
import type { Io } from './io.js';

/** How a command module adds itself to the program. */
export type RegisterCommand = (program: Command, io: Io, setExitCode: (code: number) => void) => void;

/**
 * Every command's module, imported only when that command runs (or for the full help): `keywarden --version`
 * loads none, and an audit never loads rotate's or doctor's AWS clients. The bundle splits along these imports.
 */
const COMMANDS: Record<string, () => Promise<RegisterCommand>> = {
  audit: async () => (await import('./commands/audit.js')).registerAudit,
  check: async () => (await import('./commands/check.js')).registerCheck,
  rotate: async () => (await import('./commands/rotate.js')).registerRotate,
  lease: async () => (await import('./commands/lease.js')).registerLease,
  doctor: async () => (await import('./commands/doctor.js')).registerDoctor,
  evidence: async () => (await import('./commands/evidence.js')).registerEvidence,
  trail: async () => (await import('./commands/trail.js')).registerTrail,
  credentials: async () => (await import('./commands/credentials.js')).registerCredentials,
  consumers: async () => (await import('./commands/consumers.js')).registerConsumers,
  completion: async () => (await import('./commands/completion.js')).registerCompletion,
};

/** The commands argv needs: the one it names; none for --version alone; all for help, completion or a typo. */
export function commandsFor(argv: readonly string[]): string[] {
  const named = argv.find((arg) => !arg.startsWith('-'));
  if (named !== undefined && named !== 'completion' && Object.hasOwn(COMMANDS, named)) return [named];
  if (named === undefined && argv.some((arg) => arg === '--version' || arg === '-V')) return [];
  return Object.keys(COMMANDS);
}

export async function createProgram(
  io: Io,
  setExitCode: (code: number) => void,
  argv: readonly string[] = [],
): Promise<Command> {
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
  const registers = await Promise.all(commandsFor(argv).map((name) => COMMANDS[name]?.()));
  for (const register of registers) register?.(program, io, setExitCode);
  addExitCodesToHelp(program, []);
  return program;
}

/** Every --help ends with the exit codes, from core's one table. */
function addExitCodesToHelp(command: Command, path: string[]): void {
  command.addHelpText('after', exitCodesHelp(path.join(' ')));
  for (const sub of command.commands) addExitCodesToHelp(sub, [...path, sub.name()]);
}

/**
 * The CLI's edge: the only place where errors become exit codes and one-line messages.
 * 0 nothing at or above --fail-on · 1 findings · 2 usage/config/input · 3 incomplete.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = await createProgram(
    io,
    (code) => {
      exitCode = code;
    },
    argv,
  );
  let debug = false;
  try {
    debug = envFlag(io.env, 'KEYWARDEN_DEBUG') || argv.includes('--debug');
    await program.parseAsync([...argv], { from: 'user' });
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
