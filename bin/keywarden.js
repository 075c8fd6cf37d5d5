#!/usr/bin/env node
// The CLI is bundled (dist/cli.js and the chunks in dist/cli/) so that it starts fast and runs with nothing but
// Node; each command's code is a chunk loaded when that command runs. Node's module compile cache (Node 22.1+;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off) keeps V8's compiled code between runs, so later starts skip compiling.
import module from 'node:module';

module.enableCompileCache?.();
await import('../dist/cli.js');
