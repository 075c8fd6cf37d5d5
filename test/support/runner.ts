import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';

/**
 * Runs the bundled action (`node dist/index.js`) as a GitHub runner would: inputs as INPUT_<NAME> with the
 * name upper-cased, spaces turned into underscores and hyphens kept; action.yml defaults filled in;
 * the event payload in a file; outputs and the job summary written to files the runner reads back.
 */

export interface RunnerRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  runnerTemp: string;
}

export interface RunOptions {
  event: string;
  ref?: string;
  payload?: Record<string, unknown>;
  inputs?: Record<string, string>;
  /** Environment of the AWS side (moto.env, or nothing for a fork). */
  awsEnv: Record<string, string>;
  apiUrl: string;
  repository: string;
  token: string;
  extraEnv?: Record<string, string>;
  /** Files in the workspace (the checked-out repository), by relative path. */
  workspaceFiles?: Record<string, string>;
}

export const ACTION_DIR = join(import.meta.dirname, '..', '..');

export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** What the runner puts in for `${{ github.token }}`. */
const WORKFLOW_TOKEN_EXPRESSION = ['$', '{{ github.token }}'].join('');

function actionDefaults(token: string): Record<string, string> {
  const spec = parse(readFileSync(join(ACTION_DIR, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  return Object.fromEntries(
    Object.entries(spec.inputs).map(([name, input]) => [
      name,
      input.default === WORKFLOW_TOKEN_EXPRESSION ? token : (input.default ?? ''),
    ]),
  );
}

export async function runAction(options: RunOptions): Promise<RunnerRun> {
  const dir = mkdtempSync(join(tmpdir(), 'kw-runner-'));
  const eventPath = join(dir, 'event.json');
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary.md');
  const runnerTemp = join(dir, 'temp');
  writeFileSync(
    eventPath,
    JSON.stringify({
      repository: { full_name: options.repository, default_branch: 'main' },
      ...options.payload,
    }),
  );
  for (const [file, text] of Object.entries(options.workspaceFiles ?? {})) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const inputs = { ...actionDefaults(options.token), ...options.inputs };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: options.event,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: options.repository,
    GITHUB_REF: options.ref ?? 'refs/heads/main',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_API_URL: options.apiUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '42',
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: runnerTemp,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    KEYWARDEN_GITHUB_WRITE_INTERVAL_MS: '0',
    ...options.awsEnv,
    ...options.extraEnv,
  };
  for (const [name, value] of Object.entries(inputs)) env[inputEnvName(name)] = value;
  const child = spawn(process.execPath, [join(ACTION_DIR, 'dist', 'index.js')], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    runnerTemp,
  };
}

/** The runner's GITHUB_OUTPUT format: `name<<DELIMITER`, the value's lines, then `DELIMITER`. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const header = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!header) continue;
    const [, name, delimiter] = header;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
    outputs[name as string] = value.join('\n');
  }
  return outputs;
}
