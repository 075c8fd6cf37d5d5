import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const LAUNCHER = join(dirname(fileURLToPath(import.meta.url)), 'moto_launcher.py');

/** The Python that has moto (moto_server's own interpreter when it is a pyenv shim or a venv script). */
function motoPython(): string | null {
  for (const candidate of [process.env.KEYWARDEN_MOTO_PYTHON, 'python3', 'python'].filter(
    Boolean,
  ) as string[]) {
    try {
      execFileSync(candidate, ['-c', 'import moto.server'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  return null;
}

let cachedPython: string | null | undefined;

/**
 * Whether moto can run here. Under CI=true a missing moto is an error, never a skip:
 * the moto-backed suites are the proof that keywarden works against AWS's API.
 */
export function motoAvailable(): boolean {
  if (cachedPython === undefined) cachedPython = motoPython();
  if (cachedPython === null && process.env.CI) {
    throw new Error('moto_server is not installed (python3 -c "import moto.server" fails); CI requires it');
  }
  return cachedPython !== null;
}

export interface Moto {
  endpoint: string;
  port: number;
  /** Environment for a subprocess (or this process) to reach moto with the real SDK or aws CLI. */
  env: Record<string, string>;
  /** POST /moto-api/reset: clears every backend, and puts the clock back to real time. */
  reset(): Promise<void>;
  /** moto's clock reads `date` now and runs on from there. */
  setNow(date: Date): void;
  /** Sets process.env so that SDK clients created in this process reach moto. */
  useInThisProcess(): void;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface MotoOptions {
  /**
   * Environment for moto_server itself, e.g. `{ MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' }`: without it IAM has
   * no AWS managed policy (AWSCompromisedKeyQuarantine* among them), and attaching one fails NoSuchEntity.
   */
  env?: Record<string, string>;
}

export async function startMoto(options: MotoOptions = {}): Promise<Moto> {
  if (!motoAvailable()) throw new Error('moto is not available');
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-moto-'));
  const clockFile = join(dir, 'clock-offset-ms');
  writeFileSync(clockFile, '0');
  let child: ChildProcess | undefined;
  let port = 0;
  let log = '';
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    const started = spawn(cachedPython as string, [LAUNCHER, '--host', '127.0.0.1', '--port', String(port)], {
      env: { ...process.env, ...options.env, KEYWARDEN_MOTO_CLOCK_FILE: clockFile, PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.stdout?.on('data', (chunk) => {
      log = (log + chunk).slice(-4000);
    });
    started.stderr?.on('data', (chunk) => {
      log = (log + chunk).slice(-4000);
    });
    if (await waitUntilUp(port, started)) child = started;
    else started.kill('SIGKILL');
  }
  if (!child) throw new Error(`moto_server did not start:\n${log}`);
  const endpoint = `http://127.0.0.1:${port}`;
  const env = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: '',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    KEYWARDEN_AWS_MAX_ATTEMPTS: '2',
  };
  const running = child;
  return {
    endpoint,
    port,
    env,
    async reset() {
      writeFileSync(clockFile, '0');
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset failed: ${response.status}`);
    },
    setNow(date: Date) {
      writeFileSync(clockFile, String(date.getTime() - Date.now()));
    },
    useInThisProcess() {
      for (const [name, value] of Object.entries(env)) {
        if (value === '') delete process.env[name];
        else process.env[name] = value;
      }
    },
    async stop() {
      running.kill('SIGTERM');
      await new Promise((resolve) => {
        const timer = setTimeout(() => {
          running.kill('SIGKILL');
          resolve(undefined);
        }, 3000);
        running.once('exit', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntilUp(port: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      const response = await fetch(`http://127.0.0.1:${port}/moto-api/data.json`);
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
