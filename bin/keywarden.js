#!/usr/bin/env node
// The CLI is bundled (dist/cli.js) so that it starts fast and runs with nothing but Node.
await import('../dist/cli.js');
