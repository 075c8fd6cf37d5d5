import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: the build script is plain JavaScript (no declarations), run by Node as it is.
import { PROGRAMS, programOptions } from '../../scripts/build.mjs';

interface Program {
  entry: string;
  out: string;
  chunks: string;
}
const [cli, action] = PROGRAMS as [Program, Program];

async function metafileOf(program: Program): Promise<{ outdir: string; metafile: Metafile }> {
  const outdir = mkdtempSync(join(tmpdir(), 'kw-build-'));
  const result = await build({ ...programOptions(program, outdir), write: false, metafile: true });
  return { outdir, metafile: result.metafile as Metafile };
}

/** Every input a process parses when it starts from `output` and follows only static imports. */
function staticallyLoaded(metafile: Metafile, output: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of metafile.outputs[file]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  visit(output);
  return [...seen].flatMap((file) => Object.keys(metafile.outputs[file]?.inputs ?? {}));
}

function outputOf(metafile: Metafile, entry: string): string {
  const found = Object.entries(metafile.outputs).find(([, output]) => output.entryPoint?.endsWith(entry));
  if (!found) throw new Error(`no chunk starts at ${entry}`);
  return found[0];
}

const sdk = (inputs: string[]) => inputs.filter((input) => /node_modules\/(@aws-sdk|@smithy)\//.test(input));

describe('npm run build', () => {
  it('starts the CLI without any command module or the AWS SDK (what --version parses)', async () => {
    // Act
    const { metafile } = await metafileOf(cli);

    // Assess
    const loaded = staticallyLoaded(metafile, outputOf(metafile, cli.entry));
    expect(sdk(loaded)).toEqual([]);
    expect(loaded.filter((input) => input.includes('cli/commands/'))).toEqual([]);
  });

  it('runs an offline audit without the AWS SDK, which loads only for a live audit', async () => {
    // Act
    const { metafile } = await metafileOf(cli);

    // Assess
    const audit = staticallyLoaded(metafile, outputOf(metafile, 'cli/commands/audit.ts'));
    expect(audit.some((input) => input.endsWith('core/inventory/credential-report.ts'))).toBe(true);
    expect(sdk(audit)).toEqual([]);
    expect(
      sdk(staticallyLoaded(metafile, outputOf(metafile, 'core/inventory/live.ts'))).length,
    ).toBeGreaterThan(0);
  });

  it('runs an audit without zod or the YAML parser, which load only when there is a config to validate', async () => {
    const { metafile } = await metafileOf(cli);

    const audit = staticallyLoaded(metafile, outputOf(metafile, 'cli/commands/audit.ts'));
    expect(audit.filter((input) => /node_modules\/(zod|yaml)\//.test(input))).toEqual([]);
    expect(audit.some((input) => input.endsWith('core/policy/load.ts'))).toBe(true);
  });

  it('starts the Action without an HTTP client for GitHub: undici and Octokit load only to file issues', async () => {
    const { metafile } = await metafileOf(action);

    const loaded = staticallyLoaded(metafile, outputOf(metafile, action.entry));
    const github = /node_modules\/(undici|@actions\/(http-client|github|exec)|@octokit)\//;
    expect(loaded.filter((input) => github.test(input))).toEqual([]);
    expect(loaded.some((input) => input.includes('node_modules/@actions/core/'))).toBe(true);
    expect(
      staticallyLoaded(metafile, outputOf(metafile, 'action/issues/github.ts')).some((input) =>
        input.includes('node_modules/undici/'),
      ),
    ).toBe(true);
  });

  it('gives the same files, byte for byte, when run twice', async () => {
    // Act
    const builds = await Promise.all(
      [1, 2].map(async () => {
        const outdir = mkdtempSync(join(tmpdir(), 'kw-build-'));
        await build(programOptions(cli, outdir));
        await build(programOptions(action, outdir));
        return outdir;
      }),
    );

    // Assess
    const contents = builds.map((outdir) => {
      const files = readdirSync(outdir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => relative(outdir, join(entry.parentPath, entry.name)))
        .sort();
      return files.map((file) => [file, readFileSync(join(outdir, file), 'utf8')]);
    });
    expect(contents[0]?.length).toBeGreaterThan(2);
    expect(contents[1]).toEqual(contents[0]);
  });
});
