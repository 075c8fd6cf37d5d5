import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Clock } from '../core/time.js';

/** Everything a command touches outside itself, injected so that tests run commands in-process. */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  clock: Clock;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    clock: () => new Date(),
  };
}

/** Colour only for a person at a terminal, and never when NO_COLOR is set (no-color.org). */
export function wantsColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}

/** Writes a command's result to `--output` (a file) or, without one or with `-`, to standard output. */
export async function writeOutput(io: Io, output: string | undefined, text: string): Promise<void> {
  if (writesToStdout(output)) io.stdout.write(text);
  else await writeFile(resolve(io.cwd, output), text);
}

/** True when a command's result goes to standard output: no --output, or `--output -`. */
export function writesToStdout(output: string | undefined): output is '-' | undefined {
  return output === undefined || output === '-';
}
