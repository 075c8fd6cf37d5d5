// Each package as a person gets it: packed with `npm pack`, installed into an empty directory, run there.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFLINE_QUARANTINE_NOTE } from '../../core/audit/run.js';
import rootPackage from '../../package.json' with { type: 'json' };
import { type RunningPack, startPolicyPack } from '../support/policy-harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'keywarden-packages-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Packs the package in `dir` into `work` and returns the tarball's path and the files in it. */
function pack(dir: string): { tarball: string; files: string[] } {
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  ) as [{ filename: string; files: { path: string }[] }];
  return { tarball: join(work, packed.filename), files: packed.files.map((file) => file.path).sort() };
}

function npm(args: string[], cwd: string): void {
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--ignore-scripts'], { cwd, stdio: 'pipe' });
}

/** The Node versions on PATH outside this repository's node_modules (the system's), besides the one running. */
/** Whether a Node version meets the engines range, which is written as a lower bound (`>=22.12`). */
function accepts(range: string, version: string): boolean {
  const lowest = /^>=(\d+)\.(\d+)$/.exec(range.trim());
  if (!lowest)
    throw new Error(`engines.node is "${range}": this test reads only a lower bound such as >=22.12`);
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number) as [number, number];
  const [needMajor, needMinor] = [Number(lowest[1]), Number(lowest[2])];
  return major > needMajor || (major === needMajor && minor >= needMinor);
}

/** Node 22 from the test/node22 workspace and Node 24 from the root devDependency: both installed by npm ci. */
const SUPPORTED_NODES = {
  22: join(ROOT, 'test/node22/node_modules/node/bin/node'),
  24: join(ROOT, 'node_modules/node/bin/node'),
} as const;

function otherNodes(): string[] {
  const found = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir && !dir.includes('node_modules'))
    .map((dir) => join(dir, 'node'))
    .filter((node) => spawnSync(node, ['--version']).status === 0);
  const byVersion = new Map(
    found.map((node) => [spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim(), node]),
  );
  byVersion.delete(process.version);
  return [...byVersion.values()];
}

/** The README quick start's "Install the CLI" commands. */
function readmeInstallCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Install the CLI'), readme.indexOf('### Use the Action'));
  return (/```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '').split('\n').filter((line) => line.trim() !== '');
}

describe('the keywarden CLI package, installed from its tarball into an empty project', () => {
  const project = join(work, 'cli-user');
  let files: string[];
  beforeAll(() => {
    const packed = pack(ROOT);
    files = packed.files;
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      '{ "name": "a-user", "version": "1.0.0", "private": true }\n',
    );
    // Offline: a package without dependencies needs nothing from a registry.
    npm(['install', '--offline', packed.tarball], project);
    copyFileSync(join(ROOT, 'examples/credential-report.csv'), join(project, 'credential-report.csv'));
    copyFileSync(join(ROOT, 'examples/keywarden.yml'), join(project, 'keywarden.yml'));
  }, 120_000);

  it('ships only what runs: the launcher, the bundle and its chunks, README, LICENSE, CHANGELOG', () => {
    const extra = files.filter(
      (file) =>
        !/^(bin\/keywarden\.js|dist\/cli\.js|dist\/cli\/[\w-]+\.js|README\.md|LICENSE|CHANGELOG\.md|package\.json)$/.test(
          file,
        ),
    );

    expect(extra).toEqual([]);
    expect(files).toEqual(
      expect.arrayContaining(['bin/keywarden.js', 'dist/cli.js', 'README.md', 'LICENSE', 'CHANGELOG.md']),
    );
    expect(rootPackage).not.toHaveProperty('dependencies');
    expect(rootPackage).not.toHaveProperty('private');
  });

  it('passes npm publish --dry-run', () => {
    const run = spawnSync('npm', ['publish', '--dry-run', '--ignore-scripts', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });

    expect(run.status, run.stderr).toBe(0);
    // npm 11 keys the result by package name; older npm printed the package itself.
    const result = JSON.parse(run.stdout) as { keywarden?: unknown };
    expect(result.keywarden ?? result).toMatchObject({ name: 'keywarden', version: rootPackage.version });
  });

  it('installs nothing but itself', () => {
    expect(readdirSync(join(project, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual([
      'keywarden',
    ]);
  });

  it('runs as npx keywarden --version there', () => {
    const run = spawnSync('npx', ['--no-install', 'keywarden', '--version'], {
      cwd: project,
      encoding: 'utf8',
    });

    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`${rootPackage.version}\n`);
  });

  it('runs the sample audit there, finding the overdue keys', () => {
    const run = spawnSync(
      'npx',
      [
        '--no-install',
        'keywarden',
        'audit',
        '--credential-report',
        'credential-report.csv',
        '--as-of',
        '2026-11-28',
      ],
      {
        cwd: project,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      },
    );

    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      '1 root-key, 0 compromised, 4 overdue, 2 expiring, 1 superseded, 2 unused, 1 stale, 2 exempt, 8 compliant',
    );
  });

  it('runs the README quick start’s commands there as written (the tarball standing in for the registry)', () => {
    // Prepare
    const [install, ...commands] = readmeInstallCommands();
    copyFileSync(join(ROOT, 'examples/credential-report.csv'), join(project, 'credential-report.csv'));

    // Act
    const runs = commands.map((command) =>
      spawnSync(command, {
        cwd: project,
        shell: true,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      }),
    );

    // Assess
    expect(install).toBe('npm install keywarden');
    expect(commands).toEqual([
      'npx keywarden --version',
      'npx keywarden audit --credential-report credential-report.csv',
    ]);
    expect(runs.map((run) => run.status)).toEqual([0, 1]);
    expect(runs[1]?.stdout).toMatch(/\d+ overdue, \d+ expiring/);
  });

  it('runs on every Node version found here that its engines field accepts, and the one testing it', () => {
    // Prepare
    const nodes = [process.execPath, ...otherNodes()];
    const bin = join(project, 'node_modules/keywarden/bin/keywarden.js');

    // Act
    const runs = nodes.map((node) => {
      const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
      const run = spawnSync(
        node,
        [
          bin,
          'audit',
          '--credential-report',
          'credential-report.csv',
          '--as-of',
          '2026-11-28',
          '--format',
          'json',
        ],
        {
          cwd: project,
          encoding: 'utf8',
        },
      );
      return { version, accepted: accepts(rootPackage.engines.node, version), status: run.status };
    });

    // Assess: each accepted Node runs the audit (exit 1: overdue keys); the running one is accepted.
    expect(runs[0]?.accepted).toBe(true);
    for (const run of runs.filter((each) => each.accepted))
      expect(run, run.version).toMatchObject({ status: 1 });
  });
});

describe('the packed keywarden CLI on each supported Node (issue 22 item 9)', () => {
  const project = join(work, 'cli-on-node');
  beforeAll(() => {
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      '{ "name": "a-user", "version": "1.0.0", "private": true }\n',
    );
    npm(['install', '--offline', pack(ROOT).tarball], project);
    copyFileSync(join(ROOT, 'examples/credential-report.csv'), join(project, 'credential-report.csv'));
  }, 120_000);
  const sampleAudit = ['audit', '--credential-report', 'credential-report.csv', '--as-of', '2026-11-28'];

  for (const [major, node] of Object.entries(SUPPORTED_NODES)) {
    it(`runs the sample audit on Node ${major} through the installed bin, with nothing on standard error`, () => {
      // Act: the installed shim, with this Node first on PATH, as a user's shell runs it.
      const run = spawnSync(join(project, 'node_modules/.bin/keywarden'), sampleAudit, {
        cwd: project,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}` },
      });

      // Assess
      expect(spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout).toMatch(
        new RegExp(`^v${major}\\.`),
      );
      // Only the offline audit's one note (what a saved report cannot show): no SDK or Node warning.
      expect(run.stderr).toBe(`keywarden: note: ${OFFLINE_QUARANTINE_NOTE}\n`);
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(/\d+ root-key, \d+ compromised, \d+ overdue/);
    });
  }

  it('refuses an older Node found on PATH with one line and exit 2', () => {
    // Prepare: the system's Node, where it is older than engines (the shell's Node here is 20).
    const older = otherNodes().filter(
      (node) =>
        !accepts(
          rootPackage.engines.node,
          spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim(),
        ),
    );
    for (const node of older) {
      // Act
      const run = spawnSync(
        node,
        [join(project, 'node_modules/keywarden/bin/keywarden.js'), ...sampleAudit],
        {
          cwd: project,
          encoding: 'utf8',
        },
      );

      // Assess
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(
        /^keywarden: needs Node\.js 22\.12 or later \(package\.json engines ">=22\.12"\); this is Node\.js \d+\.\d+\.\d+: install Node\.js 22 or 24\n$/,
      );
    }
  });
});

describe('the policy pack, from its tarball, installed as `pulumi policy publish` and the service install it', () => {
  const packDir = join(work, 'pack');
  let running: RunningPack;
  beforeAll(async () => {
    const { tarball } = pack(join(ROOT, 'policypack'));
    mkdirSync(packDir);
    execFileSync('tar', ['-xzf', tarball, '-C', packDir, '--strip-components=1']);
    // Its declared, exact dependencies only: from the local cache where it has them, else the registry.
    npm(['install', '--prefer-offline', '--omit=dev'], packDir);
    running = await startPolicyPack(packDir, { env: { KEYWARDEN_AS_OF: '2026-11-28T09:00:00Z' } });
  }, 240_000);
  afterAll(async () => running?.close());

  it('starts as the Pulumi CLI starts it and rejects an IaC access key', async () => {
    // Act
    await running.configure({});
    const analysis = await running.analyze({
      type: 'aws:iam/accessKey:AccessKey',
      name: 'alice-key',
      urn: 'urn:pulumi:dev::app::aws:iam/accessKey:AccessKey::alice-key',
      inputs: { user: 'alice' },
    });

    // Assess
    expect((await running.info()).name).toBe('keywarden');
    expect(analysis.diagnostics.map((d) => [d.policyName, d.enforcementLevel])).toEqual([
      ['reject-iam-access-keys', 'mandatory'],
    ]);
  });
});
