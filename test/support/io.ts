import { Readable, Writable } from 'node:stream';
import type { Io } from '../../cli/io.js';

export interface CapturedIo {
  io: Io;
  stdout(): string;
  stderr(): string;
}

function collector(isTTY: boolean): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  }) as Writable & { isTTY?: boolean };
  stream.isTTY = isTTY;
  return { stream, text: () => text };
}

/** An Io for running `main` in-process: output captured, cwd/env/clock chosen by the test. */
export function captureIo(
  options: { cwd?: string; env?: NodeJS.ProcessEnv; tty?: boolean; now?: Date } = {},
): CapturedIo {
  const stdout = collector(options.tty ?? false);
  const stderr = collector(options.tty ?? false);
  const now = options.now ?? new Date('2026-11-28T12:00:00Z');
  return {
    io: {
      stdout: stdout.stream,
      stderr: stderr.stream,
      stdin: Readable.from([]),
      env: options.env ?? {},
      cwd: options.cwd ?? process.cwd(),
      clock: () => now,
    },
    stdout: stdout.text,
    stderr: stderr.text,
  };
}
