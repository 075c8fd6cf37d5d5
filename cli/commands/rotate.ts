import { createInterface } from 'node:readline/promises';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { type Command, Option } from 'commander';
import { clientConfig, createIamClient, createStsClient, requireRegion } from '../../core/aws.js';
import { loadConfig } from '../../core/config.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { callerIdentity } from '../../core/identity.js';
import {
  type DeliveredKey,
  memoryNotifier,
  type Notifier,
  type RotationRun,
  rotateUsers,
  snsNotifier,
  type UserOutcome,
} from '../../core/rotation/index.js';
import { resolveTrailStore } from '../../core/trail/index.js';
import { type AwsFlags, addAwsOptions, awsOptions } from '../aws-options.js';
import type { Io } from '../io.js';

interface RotateOptions extends AwsFlags {
  user: string;
  dryRun?: boolean;
  yes?: boolean;
  deliver: 'secrets-manager' | 'stdout';
  config?: string;
  trailFile?: string;
  trailBucket?: string;
  kmsKeyId?: string;
  notifyTopic?: string;
}

export function registerRotate(program: Command, io: Io, setExitCode: (code: number) => void): void {
  const command = program
    .command('rotate')
    .description(
      'Rotate one user’s access key now, safely: create and store the replacement, then retire the old key on the policy’s timeline.',
    )
    .requiredOption('--user <name>', 'the IAM user')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--yes', 'do not ask for confirmation (required when not at a terminal)')
    .addOption(
      new Option('--deliver <where>', 'where the new secret goes')
        .choices(['secrets-manager', 'stdout'])
        .default('secrets-manager'),
    )
    .option('--config <file>', 'keywarden.yml (default: ./keywarden.yml if present)')
    .option('--trail-file <file>', 'write trail records to this JSONL file')
    .option('--trail-bucket <bucket>', 'write trail records to this S3 bucket (Object Lock)')
    .option('--kms-key-id <key>', 'KMS key for a newly created secret (default: aws/secretsmanager)')
    .option('--notify-topic <arn>', 'SNS topic for the owner notice (default: printed here)');
  addAwsOptions(command).action(async (options: RotateOptions) => setExitCode(await rotate(options, io)));
}

async function rotate(options: RotateOptions, io: Io): Promise<number> {
  const now = io.clock();
  const { config } = await loadConfig({ file: options.config, asOf: now, cwd: io.cwd });
  const aws = awsOptions(options, io);
  const { store, origin } = resolveTrailStore(
    { file: options.trailFile, bucket: options.trailBucket, aws },
    config,
    io.cwd,
  );
  const mutating = !options.dryRun;
  if (mutating && !options.yes && !io.stdin.isTTY) {
    throw new UsageError('rotate changes keys: pass --yes to confirm when not running at a terminal');
  }
  // Secrets Manager (and SNS, S3) are region-bound: refuse before anything changes, never fall back.
  await requireRegion(aws, 'keywarden rotate (Secrets Manager holds the key and its rotation state)');
  const identity = await callerIdentity(createStsClient(aws));
  const clients = { iam: createIamClient(aws), secrets: new SecretsManagerClient(clientConfig(aws)) };
  const printed = memoryNotifier('the operator (printed by keywarden rotate)');
  const notifier: Notifier = options.notifyTopic
    ? snsNotifier(options.notifyTopic, new SNSClient(clientConfig(aws)))
    : printed;
  const base = {
    clients,
    config,
    account: identity.account,
    actor: identity.arn,
    clock: io.clock,
    trail: store,
    notifier,
    users: [options.user],
    force: true,
    deliver: options.deliver,
    kmsKeyId: options.kmsKeyId,
  };
  try {
    const plan = await rotateUsers({ ...base, dryRun: true });
    const planned = plan.users[0] as UserOutcome;
    io.stdout.write(describePlan(planned, options.user));
    if (planned.status === 'blocked' || planned.status === 'exempt') {
      io.stderr.write(`keywarden: ${options.user}: refused, nothing changed: ${planned.reason}\n`);
      return ExitCode.findings;
    }
    if (planned.status !== 'planned') return exitFor(plan);
    if (!mutating) {
      io.stdout.write('dry run: nothing changed\n');
      return ExitCode.ok;
    }
    if (origin === 'default')
      io.stderr.write(
        `keywarden: trail records go to ${store.description} (no --trail-file, --trail-bucket or config trail:)\n`,
      );
    if (options.deliver === 'stdout') {
      io.stderr.write(
        'keywarden: WARNING: --deliver stdout prints the new secret access key once, here. It is not stored anywhere: copy it now, and clear your terminal history and scrollback afterwards.\n',
      );
    }
    if (
      !options.yes &&
      !(await confirm(io, `Rotate ${options.user} in account ${identity.account}? [y/N] `))
    ) {
      io.stdout.write('not confirmed: nothing changed\n');
      return ExitCode.findings;
    }
    const run = await rotateUsers({
      ...base,
      onDelivery: (key: DeliveredKey) => {
        io.stdout.write(
          `\nAccessKeyId:     ${key.accessKeyId}\nSecretAccessKey: ${key.secretAccessKey}\n(shown once; keywarden keeps no copy)\n\n`,
        );
      },
    });
    const done = run.users[0] as UserOutcome;
    for (const action of done.actions)
      io.stdout.write(
        `${action.outcome}: ${action.kind}${action.keyId ? ` ${action.keyId}` : ''}: ${action.reason}\n`,
      );
    for (const notice of printed.sent) io.stdout.write(`notice for the owner:\n${notice.text}\n`);
    if (done.status === 'failed' || done.status === 'blocked')
      io.stderr.write(
        `keywarden: ${options.user}: ${done.status}: ${done.reason}${done.status === 'failed' ? `; keywarden doctor --user ${options.user} checks why` : ''}\n`,
      );
    if (done.next) io.stdout.write(`next: ${done.next.what} on or after ${done.next.at.slice(0, 10)}\n`);
    return exitFor(run);
  } finally {
    clients.iam.destroy();
    clients.secrets.destroy();
  }
}

function describePlan(outcome: UserOutcome, user: string): string {
  const lines = [`${user}: ${outcome.status === 'planned' ? 'plan' : outcome.status}: ${outcome.reason}`];
  for (const action of outcome.actions) {
    lines.push(`  - ${action.kind}${action.keyId ? ` ${action.keyId}` : ''}: ${action.reason}`);
  }
  if (outcome.next) lines.push(`  next: ${outcome.next.what} on or after ${outcome.next.at.slice(0, 10)}`);
  return `${lines.join('\n')}\n`;
}

/** 0 done or nothing due · 1 blocked (a person must act first) · 3 failed part way (the next run repairs). */
function exitFor(run: RotationRun): number {
  if (run.counts.failed > 0) return ExitCode.incomplete;
  if (run.counts.blocked > 0) return ExitCode.findings;
  return ExitCode.ok;
}

async function confirm(io: Io, question: string): Promise<boolean> {
  const prompt = createInterface({ input: io.stdin, output: io.stderr, terminal: false });
  try {
    const answer = await prompt.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
