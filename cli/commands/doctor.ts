import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetObjectLockConfigurationCommand } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Command } from 'commander';
import { clientConfig, regionFromEnvironment } from '../../core/aws.js';
import { type Config, loadConfig } from '../../core/config.js';
import { describeError, ExitCode } from '../../core/errors.js';
import { type CallerIdentity, callerIdentity } from '../../core/identity.js';
import { actionsFor, type OperationName } from '../../core/permissions.js';
import { memoryNotifier, rotateUsers } from '../../core/rotation/index.js';
import { wholeDaysBetween } from '../../core/time.js';
import { createS3Client, resolveTrailStore, S3TrailStore } from '../../core/trail/index.js';
import type { Io } from '../io.js';
import { configOption, trailBucketOption, trailFileOption } from '../options.js';

interface DoctorOptions {
  user?: string;
  config?: string;
  trailFile?: string;
  trailBucket?: string;
}

/** pass · fail · skip ("could not check": not a failure, but not a proof either). */
type CheckStatus = 'pass' | 'fail' | 'skip';
interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export function registerDoctor(program: Command, io: Io, setExitCode: (code: number) => void): void {
  program
    .command('doctor')
    .description(
      'Check everything rotation needs (the rotation policy’s troubleshooting steps), one line each.',
    )
    .option('--user <name>', 'also check this IAM user: exists, keys, scope, what rotation would do')
    .addOption(configOption())
    .addOption(trailFileOption('check'))
    .addOption(trailBucketOption('check'))
    .action(async (options: DoctorOptions) => setExitCode(await doctor(options, io)));
}

async function doctor(options: DoctorOptions, io: Io): Promise<number> {
  const checks: Check[] = [];
  const add = (check: Check) => {
    checks.push(check);
    const mark = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' }[check.status];
    io.stdout.write(
      `${mark}  ${check.name}: ${check.detail}${check.fix ? `\n      fix: ${check.fix}` : ''}\n`,
    );
  };
  const iam = new IAMClient({ ...clientConfig(), maxAttempts: 1 });
  try {
    const config = await checkConfig(options, io, add);
    add(checkRegion());
    add(await checkAwsCli());
    const identity = await callerIdentity().catch((err: Error) => {
      add({
        name: 'credentials (STS)',
        status: 'fail',
        detail: err.message,
        fix: 'set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run aws configure / aws sso login',
      });
      return null;
    });
    if (identity) {
      add({
        name: 'credentials (STS)',
        status: 'pass',
        detail: `${identity.arn} in account ${identity.account}`,
      });
      const usesBucket = Boolean(options.trailBucket || (!options.trailFile && config?.trail?.bucket));
      const operations: OperationName[] = ['audit', 'rotate', ...(usesBucket ? (['trail-s3'] as const) : [])];
      for (const operation of operations) add(await checkPermissions(iam, identity, operation, options.user));
      if (options.user && config)
        for (const check of await checkUser(iam, identity, config, options.user, options, io)) add(check);
    }
    if (config) add(await checkTrail(options, config, io));
  } finally {
    iam.destroy();
  }
  const failed = checks.filter((check) => check.status === 'fail').length;
  io.stdout.write(failed === 0 ? 'all checks passed\n' : `${failed} check${failed > 1 ? 's' : ''} failed\n`);
  return failed === 0 ? ExitCode.ok : ExitCode.findings;
}

async function checkConfig(
  options: DoctorOptions,
  io: Io,
  add: (check: Check) => void,
): Promise<Config | null> {
  try {
    const { config, origin } = await loadConfig({ file: options.config, asOf: io.clock(), cwd: io.cwd });
    add({
      name: 'config',
      status: 'pass',
      detail: origin
        ? `${origin} is valid (rotate at ${config.rotation.rotateAtDays} days, max ${config.maxKeyAgeDays})`
        : 'no keywarden.yml: the defaults apply',
    });
    return config;
  } catch (err) {
    add({
      name: 'config',
      status: 'fail',
      detail: describeError(err),
      fix: 'correct the named field (see README: the policy)',
    });
    return null;
  }
}

function checkRegion(): Check {
  const region = regionFromEnvironment();
  const explicit = Boolean(process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION);
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) {
    return {
      name: 'region',
      status: 'fail',
      detail: `"${region}" is not an AWS region`,
      fix: 'export AWS_REGION=us-east-1 (or yours)',
    };
  }
  return {
    name: 'region',
    status: 'pass',
    detail: explicit ? region : `${region} (default; secrets are created in this region)`,
  };
}

async function checkAwsCli(): Promise<Check> {
  try {
    const { stdout, stderr } = await promisify(execFile)('aws', ['--version'], { timeout: 10_000 });
    return {
      name: 'AWS CLI',
      status: 'pass',
      detail: `${(stdout || stderr).trim().split(' ')[0]} (keywarden itself does not need it)`,
    };
  } catch {
    return {
      name: 'AWS CLI',
      status: 'skip',
      detail: 'not installed; keywarden does not need it, the manual procedure does',
    };
  }
}

async function checkPermissions(
  iam: IAMClient,
  identity: CallerIdentity,
  operation: OperationName,
  user: string | undefined,
): Promise<Check> {
  const name = `permissions for ${operation}`;
  const actions = actionsFor(operation).filter((action) => !action.startsWith('kms:'));
  try {
    const result = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: identity.principalArn,
        ActionNames: actions,
        ...(user && operation === 'rotate'
          ? { ResourceArns: [`arn:aws:iam::${identity.account}:user/${user}`] }
          : {}),
      }),
    );
    const denied = (result.EvaluationResults ?? [])
      .filter((evaluation) => evaluation.EvalDecision !== 'allowed')
      .map((evaluation) => evaluation.EvalActionName);
    return denied.length === 0
      ? { name, status: 'pass', detail: `${actions.length} actions allowed` }
      : {
          name,
          status: 'fail',
          detail: `denied: ${denied.join(', ')}`,
          fix: `grant them to ${identity.principalArn} (the rotation stack's role has them)`,
        };
  } catch (err) {
    return {
      name,
      status: 'skip',
      detail: `could not check: IAM policy simulation is not available here (${describeError(err).slice(0, 80)})`,
      fix: 'grant iam:SimulatePrincipalPolicy to check, or try keywarden rotate --dry-run',
    };
  }
}

async function checkUser(
  iam: IAMClient,
  identity: CallerIdentity,
  config: Config,
  user: string,
  options: DoctorOptions,
  io: Io,
): Promise<Check[]> {
  let tags: Record<string, string> = {};
  let userArn = '';
  try {
    const { User } = await iam.send(new GetUserCommand({ UserName: user }));
    tags = Object.fromEntries((User?.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
    userArn = User?.Arn ?? '';
  } catch (err) {
    const missing = /NoSuchEntity/.test((err as Error).name);
    return [
      {
        name: `user ${user}`,
        status: 'fail',
        detail: missing ? `does not exist in account ${identity.account}` : describeError(err),
        fix: missing ? 'check the name with aws iam list-users' : 'grant iam:GetUser',
      },
    ];
  }
  const checks: Check[] = [{ name: `user ${user}`, status: 'pass', detail: `exists (${userArn})` }];
  const { tagKey, tagValue } = config.scope;
  checks.push(
    tags[tagKey] === tagValue
      ? {
          name: 'rotation scope',
          status: 'pass',
          detail: `tagged ${tagKey}=${tagValue}: the rotation Lambda manages it`,
        }
      : {
          name: 'rotation scope',
          status: 'fail',
          detail: `not tagged ${tagKey}=${tagValue}: only manual rotation applies`,
          fix: `aws iam tag-user --user-name ${user} --tags Key=${tagKey},Value=${tagValue}`,
        },
  );
  const listed = await iam.send(new ListAccessKeysCommand({ UserName: user }));
  const now = io.clock();
  const keys = (listed.AccessKeyMetadata ?? []).map(
    (key) => `${key.AccessKeyId} ${key.Status} ${wholeDaysBetween(key.CreateDate ?? now, now)}d`,
  );
  const active = (listed.AccessKeyMetadata ?? []).filter((key) => key.Status === 'Active').length;
  const secrets = new SecretsManagerClient({ ...clientConfig(), maxAttempts: 1 });
  try {
    const run = await rotateUsers({
      clients: { iam, secrets },
      config,
      account: identity.account,
      actor: identity.arn,
      clock: io.clock,
      trail: resolveTrailStore({ file: options.trailFile, bucket: options.trailBucket }, config, io.cwd)
        .store,
      notifier: memoryNotifier(),
      users: [user],
      dryRun: true,
    });
    const outcome = run.users[0];
    const blocked = outcome?.status === 'blocked' || outcome?.status === 'failed';
    // Two active keys are normal mid-rotation (old + stored replacement); they are a fault when they block it.
    const twoBlocking = active === 2 && blocked;
    checks.push({
      name: 'keys',
      status: twoBlocking ? 'fail' : 'pass',
      detail: keys.length > 0 ? keys.join(', ') : 'none',
      ...(twoBlocking
        ? {
            fix: `delete the key not in use: aws iam delete-access-key --user-name ${user} --access-key-id <id>`,
          }
        : {}),
    });
    checks.push({
      name: 'rotation plan',
      status: blocked ? 'fail' : 'pass',
      detail: `${outcome?.status}: ${outcome?.reason}${outcome?.next ? `; next: ${outcome.next.what} on ${outcome.next.at.slice(0, 10)}` : ''}`,
      ...(blocked
        ? { fix: `resolve what the plan names, then keywarden rotate --user ${user} --dry-run` }
        : {}),
    });
  } finally {
    secrets.destroy();
  }
  return checks;
}

async function checkTrail(options: DoctorOptions, config: Config, io: Io): Promise<Check> {
  const { store, origin } = resolveTrailStore(
    { file: options.trailFile, bucket: options.trailBucket },
    config,
    io.cwd,
  );
  const name = `trail (${store.description}${origin === 'default' ? ', the default' : ''})`;
  try {
    if (store instanceof S3TrailStore) {
      const bucket = options.trailBucket ?? config.trail?.bucket;
      const s3 = createS3Client();
      try {
        const lock = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
        if (lock.ObjectLockConfiguration?.ObjectLockEnabled !== 'Enabled') {
          return {
            name,
            status: 'fail',
            detail: 'Object Lock is not enabled on the bucket',
            fix: 'create the trail bucket with Object Lock (the rotation stack does)',
          };
        }
      } finally {
        s3.destroy();
      }
    }
    const result = await store.verify();
    return result.intact
      ? { name, status: 'pass', detail: `intact, ${result.records} records` }
      : {
          name,
          status: 'fail',
          detail: `broken at seq ${result.firstBadSeq}: ${result.problem}`,
          fix: 'keep the trail as evidence and start investigating: it was altered',
        };
  } catch (err) {
    return {
      name,
      status: 'fail',
      detail: describeError(err),
      fix: 'check the path or bucket and your access to it',
    };
  }
}
