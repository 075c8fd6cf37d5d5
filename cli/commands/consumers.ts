import { type Command, Option } from 'commander';
import { createIamClient, createStsClient, requireRegion } from '../../core/aws/clients.js';
import { callerIdentity } from '../../core/aws/identity.js';
import { CONSUMER_DAYS, CONSUMER_MAX_PAGES } from '../../core/consumers/limits.js';
import { parseInstant } from '../../core/time.js';
import { type AwsFlags, addAwsOptions, awsOptions } from '../aws-options.js';
import { type Io, writeOutput } from '../io.js';
import { formatOption, outputOption, wholeNumber } from '../options.js';

interface ConsumersOptions extends AwsFlags {
  user: string;
  days: number;
  maxPages: number;
  format: 'table' | 'json';
  output?: string;
  asOf?: string;
}

const DAYS = CONSUMER_DAYS;
const MAX_PAGES = CONSUMER_MAX_PAGES;

export function registerConsumers(program: Command, io: Io, setExitCode: (code: number) => void): void {
  const command = program
    .command('consumers')
    .description(
      'Who uses a user’s access keys: each key’s last use, and its consumers (source IP, user agent, services, regions, first and last seen) from CloudTrail’s event history of one region.',
    )
    .requiredOption('--user <name>', 'the IAM user')
    .addOption(
      new Option('--days <n>', `how far back to look (CloudTrail keeps ${DAYS.max} days)`)
        .argParser(wholeNumber(DAYS))
        .default(DAYS.default),
    )
    .addOption(
      new Option(
        '--max-pages <n>',
        'LookupEvents pages per key at most (50 events each, 2 pages a second); beyond it the key is marked truncated',
      )
        .argParser(wholeNumber(MAX_PAGES))
        .default(MAX_PAGES.default),
    )
    .addOption(formatOption(['table', 'json']))
    .addOption(outputOption('the result'))
    .option('--as-of <iso>', 'the end of the window (default: now)');
  addAwsOptions(command, io).action(async (options: ConsumersOptions) =>
    setExitCode(await consumers(options, io)),
  );
}

async function consumers(options: ConsumersOptions, io: Io): Promise<number> {
  const asOf = options.asOf ? parseInstant(options.asOf) : io.clock();
  const aws = awsOptions(options, io);
  // CloudTrail's event history is regional: the region read is said, never guessed.
  const region = await requireRegion(aws, 'keywarden consumers (CloudTrail’s event history is per region)');
  // The CloudTrail SDK is loaded only when a lookup runs.
  const [core, { createCloudTrailClient }] = await Promise.all([
    import('../../core/consumers/index.js'),
    import('../../core/consumers/client.js'),
  ]);
  const identity = await callerIdentity(createStsClient(aws));
  const report = await core.consumersOf({
    user: options.user,
    days: options.days,
    maxPages: options.maxPages,
    asOf,
    account: identity.account,
    region,
    iam: createIamClient(aws),
    cloudtrail: createCloudTrailClient({ ...aws, region }),
    pacer: new core.RequestPacer(),
  });
  await writeOutput(
    io,
    options.output,
    options.format === 'json' ? core.consumersJson(report) : core.consumersTable(report),
  );
  return 0;
}
