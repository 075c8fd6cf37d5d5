import { createInterface } from 'node:readline/promises';
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { type Command, Option } from 'commander';
import { clientConfig, createIamClient, createStsClient, requireRegion } from '../../core/aws/clients.js';
import { callerIdentity } from '../../core/aws/identity.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { loadConfig } from '../../core/policy/load.js';
import {
  type ActionResult,
  type DeliveredKey,
  LEASE_REQUIRED,
  LeaseRequiredError,
  leaseSettingsOf,
  type ManualRotation,
  manualRotationRequest,
  memoryNotifier,
  type Notice,
  type Notifier,
  type PlannedStep,
  planManualRotation,
  rotateUsers,
  S3LeaseStore,
  snsNotifier,
  type UserOutcome,
  type UserStatus,
} from '../../core/rotation/index.js';
import {
  createS3Client,
  judgeTrailBucket,
  resolveTrailStore,
  S3TrailStore,
  trailSettings,
} from '../../core/trail/index.js';
import { TOOL } from '../../core/version.js';
import { type AwsFlags, addAwsOptions, awsOptions } from '../aws-options.js';
import type { Io } from '../io.js';
import {
  configOption,
  leaseBucketOption,
  trailBucketOption,
  trailFileOption,
  trailPrefixOption,
  trailSigningKeyOption,
} from '../options.js';

interface RotateOptions extends AwsFlags {
  user: string;
  dryRun?: boolean;
  yes?: boolean;
  deliver: 'secrets-manager' | 'stdout';
  format: 'text' | 'json';
  config?: string;
  trailFile?: string;
  trailBucket?: string;
  trailPrefix?: string;
  trailSigningKey?: string;
  leaseBucket?: string;
  kmsKeyId?: string;
  notifyTopic?: string;
}

/**
 * `keywarden rotate --format json`: one document on stdout (docs/rotation.md, "keywarden rotate", has the schema).
 * It holds key IDs, dates and reasons only: never a secret.
 */
export interface RotateResult {
  schemaVersion: 1;
  tool: { name: string; version: string };
  account: string;
  user: string;
  at: string;
  dryRun: boolean;
  /** The user's outcome, or `not-confirmed` when a person answered no. */
  status: UserStatus | 'not-confirmed';
  reason: string;
  /** The plan, each step with the instant it fell due. */
  plan: PlannedStep[];
  /** What was done, in order (empty when nothing ran). */
  results: ActionResult[];
  next: { what: string; at: string } | null;
  /** Notices printed for the owner (none when they went to --notify-topic). */
  notices: { kind: Notice['kind']; subject: string; text: string }[];
  trail: string;
  /**
   * 0 done or nothing due · 1 refused, nothing changed · 3 failed part way, or deferred because another run
   * held the user's lease (2 never: bad input is stderr).
   */
  exitCode: number;
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
    .addOption(
      new Option('--format <format>', 'output: text for people, json for machines (no secret in it)')
        .choices(['text', 'json'])
        .default('text'),
    )
    .addOption(configOption())
    .addOption(trailFileOption('write trail records to'))
    .addOption(trailBucketOption('write trail records to'))
    .addOption(trailPrefixOption())
    .addOption(trailSigningKeyOption('sign each trail record with this key'))
    .addOption(leaseBucketOption())
    .option('--kms-key-id <key>', 'KMS key for a newly created secret (default: aws/secretsmanager)')
    .option('--notify-topic <arn>', 'SNS topic for the owner notice (default: printed here)');
  addAwsOptions(command, io).action(async (options: RotateOptions) => setExitCode(await rotate(options, io)));
}

async function rotate(options: RotateOptions, io: Io): Promise<number> {
  const now = io.clock();
  const json = options.format === 'json';
  if (json && options.deliver === 'stdout') {
    throw new UsageError(
      '--format json never carries a secret, and --deliver stdout prints one: choose one of them',
    );
  }
  const { config } = await loadConfig({ file: options.config, asOf: now, cwd: io.cwd });
  const aws = awsOptions(options, io);
  const { store, origin } = resolveTrailStore(
    {
      file: options.trailFile,
      bucket: options.trailBucket,
      prefix: options.trailPrefix,
      signingKey: options.trailSigningKey,
      aws,
    },
    config,
    io.cwd,
  );
  const mutating = !options.dryRun;
  if (mutating && !options.yes && !io.stdin.isTTY) {
    throw new UsageError('rotate changes keys: pass --yes to confirm when not running at a terminal');
  }
  // Secrets Manager (and SNS, S3) are region-bound: refuse before anything changes, never fall back.
  const region = await requireRegion(
    aws,
    'keywarden rotate (Secrets Manager holds the key and its rotation state)',
  );
  const leaseSettings = leaseSettingsOf(config, options.leaseBucket);
  if (mutating && !leaseSettings) throw new LeaseRequiredError(LEASE_REQUIRED);
  const identity = await callerIdentity(createStsClient(aws));
  const clients = { iam: createIamClient(aws), secrets: new SecretsManagerClient(clientConfig(aws)) };
  const leaseClient = leaseSettings ? createS3Client(aws) : null;
  const lease =
    leaseSettings && leaseClient ? new S3LeaseStore({ ...leaseSettings, client: leaseClient }) : undefined;
  const printed = memoryNotifier('the operator (printed by keywarden rotate)');
  let cloudTrail: CloudTrailClient | undefined;
  const notifier: Notifier = options.notifyTopic
    ? snsNotifier(options.notifyTopic, new SNSClient(clientConfig(aws)))
    : printed;
  const rotation: ManualRotation = {
    clients,
    config,
    account: identity.account,
    actor: identity.arn,
    clock: io.clock,
    trail: store,
    notifier,
    user: options.user,
    deliver: options.deliver,
    kmsKeyId: options.kmsKeyId,
    lease,
  };
  const result = (outcome: UserOutcome, status: RotateResult['status'], exitCode: number): number => {
    if (json) {
      const document: RotateResult = {
        schemaVersion: 1,
        tool: { ...TOOL },
        account: identity.account,
        user: options.user,
        at: now.toISOString(),
        dryRun: !mutating,
        status,
        reason: status === 'not-confirmed' ? 'not confirmed: nothing changed' : outcome.reason,
        plan: outcome.plan,
        results: status === 'planned' || status === 'not-confirmed' ? [] : outcome.actions,
        next: outcome.next,
        notices: printed.sent.map(({ kind, subject, text }) => ({ kind, subject, text })),
        trail: store.description,
        exitCode,
      };
      io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    }
    return exitCode;
  };
  const say = (text: string) => {
    if (!json) io.stdout.write(text);
  };
  try {
    // The same plan `keywarden doctor --user` shows (one planner call, the same inputs).
    const planned = await planManualRotation(rotation);
    say(describePlan(planned, options.user));
    if (planned.status === 'blocked' || planned.status === 'exempt') {
      io.stderr.write(`keywarden: ${options.user}: refused, nothing changed: ${planned.reason}\n`);
      return result(planned, planned.status, ExitCode.findings);
    }
    // Deferred: another run is working on the user now; a mutating run waits for its lease, then plans again.
    const waitsForLease = planned.status === 'deferred' && mutating;
    if (planned.status !== 'planned' && !waitsForLease)
      return result(planned, planned.status, exitForStatus(planned.status));
    if (!mutating) {
      say('dry run: nothing changed\n');
      return result(planned, 'planned', ExitCode.ok);
    }
    if (store instanceof S3TrailStore) {
      // The rule doctor FAILs a bucket by: refuse before anything changes where no record can be written,
      // and say once where records are written but not kept write-once.
      const bucket = options.trailBucket ?? config.trail?.bucket ?? '';
      const s3 = createS3Client(aws);
      try {
        const verdict = await judgeTrailBucket(s3, bucket, trailSettings(config).retentionDays);
        if (verdict.refusal) throw new UsageError(verdict.refusal);
        if (verdict.warning) io.stderr.write(`keywarden: WARNING: ${verdict.warning}\n`);
      } finally {
        s3.destroy();
      }
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
      say('not confirmed: nothing changed\n');
      return result(planned, 'not-confirmed', ExitCode.findings);
    }
    // The notices name who still uses the old key, from this region's CloudTrail event history: only a run
    // that changes keys sends one, so only it loads CloudTrail.
    const [{ ConsumerFinder }, { createCloudTrailClient }] = await Promise.all([
      import('../../core/consumers/finder.js'),
      import('../../core/consumers/client.js'),
    ]);
    cloudTrail = createCloudTrailClient({ ...aws, region });
    const run = await rotateUsers({
      // What the operator was shown and approved: if another run changes it meanwhile, no second rotation.
      ...manualRotationRequest({
        ...rotation,
        consumers: new ConsumerFinder(cloudTrail, region),
        approved: planned.seen,
      }),
      onDelivery: (key: DeliveredKey) => {
        io.stdout.write(
          `\nAccessKeyId:     ${key.accessKeyId}\nSecretAccessKey: ${key.secretAccessKey}\n(shown once; keywarden keeps no copy)\n\n`,
        );
      },
    });
    const [done] = run.users;
    if (!done) throw new Error(`the rotation returned no outcome for ${options.user}`);
    for (const action of done.actions)
      say(`${action.outcome}: ${action.kind}${action.keyId ? ` ${action.keyId}` : ''}: ${action.reason}\n`);
    for (const notice of printed.sent) say(`notice for the owner:\n${notice.text}\n`);
    if (done.status === 'failed' || done.status === 'blocked' || done.status === 'deferred')
      io.stderr.write(
        `keywarden: ${options.user}: ${done.status}: ${done.reason}${done.status === 'failed' ? `; keywarden doctor --user ${options.user} checks why` : ''}\n`,
      );
    // Another run did the work while this one waited for the lease: say so, not silently nothing.
    else if (done.status !== 'done') say(`${options.user}: ${done.status}: ${done.reason}\n`);
    if (done.next) say(`next: ${done.next.what} on or after ${done.next.at.slice(0, 10)}\n`);
    return result(done, done.status, exitForStatus(done.status));
  } finally {
    clients.iam.destroy();
    clients.secrets.destroy();
    leaseClient?.destroy();
    cloudTrail?.destroy();
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

/**
 * 0 done or nothing due · 1 blocked (a person must act first) · 3 failed part way (the next run repairs),
 * or deferred (another run held the user's lease: nothing changed here).
 */
function exitForStatus(status: UserStatus): number {
  if (status === 'failed' || status === 'deferred') return ExitCode.incomplete;
  if (status === 'blocked') return ExitCode.findings;
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
