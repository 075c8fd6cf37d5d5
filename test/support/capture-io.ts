import { PassThrough } from 'node:stream';
import type { Io } from '../../cli/io.js';
import { main } from '../../cli/main.js';

export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process with captured output and an injected clock and working directory. */
export async function runCli(
  argv: string[],
  options: { cwd: string; now: Date; env?: NodeJS.ProcessEnv; stdinText?: string; tty?: boolean },
): Promise<CapturedRun> {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough();
  const err = new PassThrough();
  out.on('data', (chunk) => {
    stdout += chunk;
  });
  err.on('data', (chunk) => {
    stderr += chunk;
  });
  const stdin = new PassThrough();
  if (options.stdinText !== undefined) stdin.end(options.stdinText);
  const io: Io = {
    stdout: Object.assign(out, { isTTY: options.tty ?? false }),
    stderr: Object.assign(err, { isTTY: options.tty ?? false }),
    stdin: Object.assign(stdin, { isTTY: options.tty ?? false }),
    env: options.env ?? process.env,
    cwd: options.cwd,
    clock: () => options.now,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
