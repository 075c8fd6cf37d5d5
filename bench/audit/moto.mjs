// Starts moto_server for a benchmark through the test bed's launcher (test/support/moto_launcher.py), so
// that its clock can be moved as in the tests. Plain JavaScript: benchmarks run on Node without vitest.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LAUNCHER = join(import.meta.dirname, '../../test/support/moto_launcher.py');

function motoPython() {
  for (const candidate of [process.env.KEYWARDEN_MOTO_PYTHON, 'python3', 'python'].filter(Boolean)) {
    try {
      execFileSync(candidate, ['-c', 'import moto.server'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error('moto is not installed (python3 -c "import moto.server" fails)');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startMoto() {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-bench-moto-'));
  const clockFile = join(dir, 'clock-offset-ms');
  writeFileSync(clockFile, '0');
  const port = await freePort();
  const child = spawn(motoPython(), [LAUNCHER, '--host', '127.0.0.1', '--port', String(port)], {
    env: { ...process.env, KEYWARDEN_MOTO_CLOCK_FILE: clockFile, PYTHONUNBUFFERED: '1' },
    stdio: 'ignore',
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('moto_server exited at start');
    try {
      if ((await fetch(`${endpoint}/moto-api/data.json`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('moto_server did not start within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    /** Environment for keywarden, the floors and the aws CLI to reach this moto and nothing else. */
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
    setNow(date) {
      writeFileSync(clockFile, String(date.getTime() - Date.now()));
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 3000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function pool(items, limit, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index], index);
      }
    }),
  );
}
