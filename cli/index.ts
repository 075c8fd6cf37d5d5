import { TOOL } from '../core/version.js';

// `keywarden --version` answers before the command line parser loads: it is the one thing scripts run often.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${TOOL.version}\n`);
} else {
  const [{ processIo }, { main }] = await Promise.all([import('./io.js'), import('./main.js')]);
  process.exitCode = await main(argv, processIo());
}
