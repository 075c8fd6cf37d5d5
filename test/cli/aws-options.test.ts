import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { captureIo } from '../support/io.js';

describe('--profile and --region', () => {
  it.each([['audit'], ['rotate'], ['doctor'], ['trail', 'verify'], ['evidence']])(
    'are options of keywarden %s',
    async (...command) => {
      const captured = captureIo();

      const exitCode = await main([...command, '--help'], captured.io);

      expect(exitCode).toBe(0);
      expect(captured.stdout()).toContain('--profile <name>');
      expect(captured.stdout()).toContain('--region <region>');
    },
  );

  it('lists --debug among the global options', async () => {
    const captured = captureIo();

    await main(['--help'], captured.io);

    expect(captured.stdout()).toContain('--debug');
  });
});
