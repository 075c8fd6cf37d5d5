#!/usr/bin/env node
// The CLI is bundled (dist/cli.js and the chunks in dist/cli/) so that it starts fast and runs with nothing but
// Node; each command's code is a chunk loaded when that command runs. Node's module compile cache (Node 22.1+;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off) keeps V8's compiled code between runs, so later starts skip compiling.
import { readFileSync } from 'node:fs';
import module from 'node:module';

// The Node versions keywarden supports are package.json's engines (`>=22.12`): the one home of that range. An
// older Node gets one line and exit 2 (the command cannot run as invoked) before the bundle loads, instead of the
// AWS SDK's warnings and a syntax error from a dependency.
const engines = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines.node;
const [, needMajor, needMinor] = /(\d+)\.(\d+)/.exec(engines) ?? [];
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < Number(needMajor) || (major === Number(needMajor) && minor < Number(needMinor))) {
  process.stderr.write(
    `keywarden: needs Node.js ${needMajor}.${needMinor} or later (package.json engines "${engines}"); this is Node.js ${process.versions.node}: install Node.js 22 or 24\n`,
  );
  process.exit(2);
}
module.enableCompileCache?.();
await import('../dist/cli.js');
