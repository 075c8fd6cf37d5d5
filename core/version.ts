import pkg from '../package.json' with { type: 'json' };

export const TOOL = { name: 'keywarden', version: pkg.version } as const;
