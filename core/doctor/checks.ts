import { stat } from 'node:fs/promises';
import { SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { GetObjectLockConfigurationCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { describeRegionSource, NO_REGION_FIX, regionProblem } from '../aws/clients.js';
import { actionsFor, type OperationName } from '../aws/permissions.js';
import { classifyAwsError, describeError, isAwsError } from '../errors.js';
import { trailBucketProblems } from '../infra/worm.js';
import { evaluate, remediation } from '../policy/evaluate.js';
import { leaseIsLive, secretNameFor, secretNameProblem } from '../rotation/index.js';
import {
  JsonlTrailStore,
  publicKeyFromKms,
  S3TrailStore,
  trailSettings,
  verifyTrail,
} from '../trail/index.js';
import { type CheckResult, type DoctorCheck, PrerequisiteMissing } from './check.js';
import { type DoctorContext, need } from './context.js';

type Check = DoctorCheck<DoctorContext>;

const config: Check = {
  id: 'config',
  title: 'config',
  async run(context) {
    const loaded = await context.config();
    if (!loaded.ok)
      return {
        status: 'fail',
        detail: describeError(loaded.error),
        fix: 'correct the named field (see README: the policy)',
      };
    const { config: valid, origin } = loaded.value;
    return {
      status: 'pass',
      detail: origin
        ? `${origin} is valid (rotate at ${valid.rotation.rotateAtDays} days, max ${valid.maxKeyAgeDays})`
        : 'no keywarden.yml: the defaults apply',
    };
  },
};

const region: Check = {
  id: 'region',
  title: 'region',
  async run(context) {
    const where = await need(context.region(), 'the AWS config files');
    if (!where.region)
      return {
        status: 'warn',
        detail:
          'no region configured: the audit works (IAM is global), but rotate, an S3 trail and SNS notices need one',
        fix: NO_REGION_FIX,
      };
    const problem = where.source ? regionProblem(where.region, where.source) : null;
    if (problem) return { status: 'fail', detail: problem, fix: NO_REGION_FIX };
    return {
      status: 'pass',
      detail: `${where.region} (${describeRegionSource(where.source)}); secrets, topics and buckets are used in this region`,
    };
  },
};

const awsCli: Check = {
  id: 'aws-cli',
  title: 'AWS CLI',
  applies: (context) => context.request.awsCliVersion !== undefined,
  async run(context) {
    const version = await context.request.awsCliVersion?.();
    return version
      ? { status: 'pass', detail: `${version} (keywarden itself does not need it)` }
      : { status: 'skip', detail: 'not installed; keywarden does not need it, the manual procedure does' };
  },
};

const CREDENTIALS_FIX =
  'set --profile or AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run aws configure / aws sso login';

const credentials: Check = {
  id: 'credentials',
  title: 'credentials (STS)',
  async run(context) {
    const who = await context.identity();
    if (who.ok) return { status: 'pass', detail: `${who.value.arn} in account ${who.value.account}` };
    const kind = classifyAwsError(who.error);
    const detail = describeError(who.error);
    switch (kind) {
      case 'credentials': {
        const env = context.request.aws.env ?? {};
        const profile = context.request.aws.profile ?? env.AWS_PROFILE;
        // The SDK skips the environment's keys once a profile is named: say so, it is a common surprise.
        const fix =
          profile && env.AWS_ACCESS_KEY_ID
            ? `profile ${profile} is named (${context.request.aws.profile ? '--profile' : 'AWS_PROFILE'}), so the SDK does not use AWS_ACCESS_KEY_ID: put credentials in that profile, or name no profile`
            : CREDENTIALS_FIX;
        return { status: 'fail', detail: `no usable AWS credentials: ${detail}`, fix };
      }
      case 'network':
        return {
          status: 'fail',
          detail,
          fix: `check your network and proxy${context.request.aws.env?.AWS_ENDPOINT_URL ? `, and AWS_ENDPOINT_URL (${context.request.aws.env.AWS_ENDPOINT_URL})` : ''}`,
        };
      case 'access-denied':
        return {
          status: 'fail',
          detail,
          fix: 'these credentials may not call sts:GetCallerIdentity: use others',
        };
      default:
        return { status: 'fail', detail, fix: 'run again with --debug to see the cause' };
    }
  },
};

/** The operations on the trail's signing key: simulated against that key, and only where one is configured. */
const SIGNING_OPERATIONS: readonly OperationName[] = ['trail-sign', 'trail-signature-check'];

/** `optional`: what a denial costs, when the operation is not needed for keywarden to work (a warning, not a failure). */
function permissions(operation: OperationName, optional?: string): Check {
  const signing = SIGNING_OPERATIONS.includes(operation);
  return {
    id: `permissions:${operation}`,
    title: `permissions for ${operation}`,
    applies: async (context) => {
      if (operation === 'trail-s3') return usesBucket(context);
      if (signing) return (await signingKeyOf(context)) !== null;
      return true;
    },
    async run(context) {
      const who = await need(context.identity(), 'credentials');
      // The user's real ARN (partition and path included) when --user names one that exists.
      const user = context.request.user ? await context.user() : null;
      const userArn = user?.ok && user.value ? user.value.Arn : undefined;
      // The secrets key's grants depend on conditions a bare simulation cannot supply (kms:ViaService); the
      // signing key's do not, so its actions are simulated against the key itself.
      const signingKey = signing ? await signingKeyOf(context) : null;
      const actions = actionsFor(operation).filter((action) => signing || !action.startsWith('kms:'));
      const resources = signingKey ? [signingKey] : userArn && operation === 'rotate' ? [userArn] : null;
      try {
        const result = await context.iam.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: who.principalArn,
            ActionNames: actions,
            ...(resources ? { ResourceArns: resources } : {}),
          }),
        );
        const evaluations = result.EvaluationResults ?? [];
        if (evaluations.length < actions.length)
          return {
            status: 'skip',
            detail: `could not check: the simulation answered for ${evaluations.length} of ${actions.length} actions`,
          };
        const denied = evaluations
          .filter((evaluation) => evaluation.EvalDecision !== 'allowed')
          .map((evaluation) => evaluation.EvalActionName);
        if (denied.length > 0 && optional) {
          return {
            status: 'warn',
            detail: `denied: ${denied.join(', ')}; ${optional}`,
            fix: `grant them to ${who.principalArn} to see them`,
          };
        }
        return denied.length === 0
          ? { status: 'pass', detail: `${actions.length} actions allowed` }
          : {
              status: 'fail',
              detail: `denied: ${denied.join(', ')}`,
              fix:
                operation === 'trail-signature-check'
                  ? `grant them on ${signingKey} to ${who.principalArn}: trail verify and keywarden evidence read the public key`
                  : `grant them to ${who.principalArn} (the rotation stack's role has them)`,
            };
      } catch (err) {
        const denied = classifyAwsError(err) === 'access-denied';
        return {
          status: 'skip',
          detail: denied
            ? 'could not check: the caller may not call iam:SimulatePrincipalPolicy'
            : `could not check: IAM policy simulation is not available here (${describeError(err).slice(0, 80)})`,
          fix: 'grant iam:SimulatePrincipalPolicy to check, or try keywarden rotate --dry-run',
        };
      }
    },
  };
}

async function usesBucket(context: DoctorContext): Promise<boolean> {
  if (context.request.trailBucket) return true;
  if (context.request.trailFile) return false;
  const loaded = await context.config();
  return loaded.ok && Boolean(loaded.value.config.trail?.bucket);
}

const withUser = (context: DoctorContext) => Boolean(context.request.user);

/** The KMS key that signs the trail (config `trail.signingKey`), or null when none is configured or readable. */
async function signingKeyOf(context: DoctorContext): Promise<string | null> {
  const loaded = await context.config();
  return loaded.ok ? context.trail(loaded.value.config).signingKey : null;
}

/** The --user that the checks `withUser` applies to look at. */
function userOf(context: DoctorContext): string {
  if (!context.request.user) throw new PrerequisiteMissing('a --user to check');
  return context.request.user;
}

const user: Check = {
  id: 'user',
  title: 'user',
  applies: withUser,
  async run(context) {
    const name = userOf(context);
    const title = `user ${name}`;
    const found = await context.user();
    if (!found.ok)
      return { title, status: 'fail', detail: describeError(found.error), fix: 'grant iam:GetUser' };
    if (!found.value) {
      const who = await context.identity();
      return {
        title,
        status: 'fail',
        detail: `does not exist${who.ok ? ` in account ${who.value.account}` : ''}`,
        fix: 'check the name with aws iam list-users',
      };
    }
    return { title, status: 'pass', detail: `exists (${found.value.Arn})` };
  },
};

const secretName: Check = {
  id: 'secret-name',
  title: 'secret name',
  applies: withUser,
  async run(context) {
    const name = userOf(context);
    const problem = secretNameProblem(name);
    if (problem)
      return {
        status: 'fail',
        detail: problem,
        fix: 'rotation cannot store this user’s key in Secrets Manager: rename the user, or rotate with --deliver stdout',
      };
    const who = await context.identity();
    return {
      status: 'pass',
      detail: who.ok ? secretNameFor(who.value.account, name) : 'the user name maps to a secret name',
    };
  },
};

const rotationScope: Check = {
  id: 'rotation-scope',
  title: 'rotation scope',
  applies: withUser,
  async run(context) {
    const name = userOf(context);
    const found = await need(context.user(), `the user ${name}`);
    if (!found) return { status: 'skip', detail: `not checked: the user ${name} does not exist` };
    const loaded = await need(context.config(), 'a valid config');
    const { tagKey, tagValue } = loaded.config.scope;
    const tags = Object.fromEntries((found.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
    return tags[tagKey] === tagValue
      ? { status: 'pass', detail: `tagged ${tagKey}=${tagValue}: the rotation Lambda manages it` }
      : {
          status: 'warn',
          detail: `not tagged ${tagKey}=${tagValue}: the rotation Lambda leaves it alone; manual rotation (keywarden rotate --user ${name}) still works`,
          fix: `tag the user to enrol it: aws iam tag-user --user-name ${name} --tags Key=${tagKey},Value=${tagValue}`,
        };
  },
};

const keys: Check = {
  id: 'keys',
  title: 'keys',
  applies: withUser,
  async run(context) {
    const name = userOf(context);
    const read = await need(context.userKeys(), `the user ${name}`);
    const loaded = await need(context.config(), 'a valid config');
    const findings = evaluate(read.keys, loaded.config, context.now, read.user ? [read.user] : []);
    const detail =
      findings.length === 0
        ? 'none'
        : [...findings]
            .sort((a, b) => a.keySlot - b.keySlot)
            .map(
              (finding) => `${finding.accessKeyId} ${finding.status} ${finding.ageDays}d ${finding.verdict}`,
            )
            .join(', ');
    const plan = await context.plan();
    const active = read.keys.filter((key) => key.status === 'Active').length;
    // Two active keys are normal mid-rotation (old + stored replacement); they are a fault when they block it.
    const blocked = plan.ok && (plan.value.status === 'blocked' || plan.value.status === 'failed');
    if (active === 2 && blocked)
      return {
        status: 'fail',
        detail,
        fix: `delete the key not in use: aws iam delete-access-key --user-name ${name} --access-key-id <id>`,
      };
    const worst = findings[0];
    if (read.gaps.length > 0)
      return {
        status: 'skip',
        detail: `${detail}; could not read: ${read.gaps.map((gap) => gap.reason).join('; ')}`,
      };
    if (!worst || worst.severity === 'ok') return { status: 'pass', detail };
    return {
      status: worst.severity === 'violation' ? 'fail' : 'warn',
      detail: `${detail}: ${worst.reason}`,
      fix: remediation(worst)[0] ?? `keywarden rotate --user ${name}`,
    };
  },
};

const rotationPlan: Check = {
  id: 'rotation-plan',
  title: 'rotation plan',
  applies: withUser,
  async run(context) {
    const name = userOf(context);
    const plan = await context.plan();
    if (!plan.ok) {
      if (plan.error instanceof Error && plan.error.name === 'PrerequisiteMissing') throw plan.error;
      return { status: 'fail', detail: `the dry run failed: ${describeError(plan.error)}` };
    }
    const outcome = plan.value;
    const blocked = outcome.status === 'blocked' || outcome.status === 'failed';
    return {
      status: blocked ? 'fail' : 'pass',
      detail: `keywarden rotate --user ${name} would: ${outcome.status}: ${outcome.reason}${outcome.next ? `; next: ${outcome.next.what} on ${outcome.next.at.slice(0, 10)}` : ''}`,
      ...(blocked
        ? { fix: `resolve what the plan names, then keywarden rotate --user ${name} --dry-run` }
        : {}),
    };
  },
};

const trail: Check = {
  id: 'trail',
  title: 'trail',
  async run(context): Promise<CheckResult> {
    const loaded = await need(context.config(), 'a valid config');
    const { store, origin, signingKey } = context.trail(loaded.config);
    const title = `trail (${store.description}${origin === 'default' ? ', the default' : ''})`;
    try {
      if (store instanceof JsonlTrailStore) {
        const exists = await stat(store.file).then(
          (info) => info.isFile(),
          () => false,
        );
        if (!exists)
          return {
            title,
            status: 'warn',
            detail:
              origin === 'default'
                ? 'no trail yet: the first keywarden rotate writes it here'
                : `${store.file} does not exist: no record has been written there (the first keywarden rotate writes it)`,
            fix:
              origin === 'default'
                ? 'name the trail your team keeps with --trail-file or the config’s trail: section'
                : 'if rotations have run, the path is wrong: check --trail-file or trail.file in the config',
          };
      }
      if (store instanceof S3TrailStore) {
        const bucket = context.request.trailBucket ?? loaded.config.trail?.bucket ?? '';
        const problems = trailBucketProblems(
          await context.bucketFacts(bucket),
          trailSettings(loaded.config).retentionDays,
        );
        if (problems.length > 0)
          return {
            title,
            status: 'fail',
            detail: `the bucket is not write-once: ${problems.map((problem) => problem.message).join(' ')}`,
            fix: 'create the trail bucket with the rotation stack (COMPLIANCE Object Lock, versioning, a deny-delete policy)',
          };
      }
      const { verification: result } = await verifyTrail(store, {
        signatures: {
          keyArn: signingKey ?? undefined,
          fetchPublicKey: (keyArn) => publicKeyFromKms(keyArn, context.request.aws),
        },
      });
      if (!result.intact)
        return {
          title,
          status: 'fail',
          detail: `broken at seq ${result.firstBadSeq}: ${result.problem}`,
          fix: 'keep the trail as evidence and start investigating: it was altered',
        };
      return result.records === 0
        ? { title, status: 'warn', detail: 'intact but empty: no trail records yet' }
        : {
            title,
            status: 'pass',
            detail: `intact, ${result.records} records${result.signing ? `, signed from seq ${result.signing.firstSignedSeq} by ${result.signing.keyArn}` : ''}`,
          };
    } catch (err) {
      return {
        title,
        status: 'fail',
        detail: describeError(err),
        fix: 'check the path or bucket and your access to it',
      };
    }
  },
};

/**
 * The lease bucket rotation takes turns through (docs/overlapping-runs.md): named, reachable, without Object
 * Lock; with --user, whether a run holds that user's lease now.
 */
const lease: Check = {
  id: 'lease',
  title: 'lease',
  async run(context): Promise<CheckResult> {
    const loaded = await need(context.config(), 'a valid config');
    const lease = context.leaseOf(loaded.config);
    if (!lease)
      return {
        status: 'warn',
        detail:
          'no lease bucket: keywarden rotate and the rotation Lambda refuse to change keys without one (overlapping runs take turns through it)',
        fix: 'deploy the rotation stack (it creates one), or create an S3 bucket without Object Lock and set rotation.lease.bucket in the config (or pass --lease-bucket)',
      };
    const { bucket } = lease.settings;
    const title = `lease (${lease.store.description}, ${lease.settings.seconds} s)`;
    try {
      const client = context.s3Client();
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
      const locked = await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket })).then(
        (answer) => answer.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled',
        (err: unknown) => {
          // A bucket without Object Lock answers ObjectLockConfigurationNotFoundError.
          if (isAwsError(err, /ObjectLockConfigurationNotFound/)) return false;
          throw err;
        },
      );
      if (locked)
        return {
          title,
          status: 'fail',
          detail: `${bucket} has Object Lock: each lease renewal replaces its object, which Object Lock keeps for ever`,
          fix: 'use a bucket without Object Lock for leases (the trail bucket is not one)',
        };
      const user = context.request.user;
      if (!user) return { title, status: 'pass', detail: `${bucket} is reachable and has no Object Lock` };
      const who = await need(context.identity(), 'credentials');
      const current = await lease.store.peek(who.account, user);
      if (current && leaseIsLive(current, Date.now()))
        return {
          title,
          status: 'warn',
          detail: `${user}'s lease is held by ${current.holder} until ${current.until.toISOString()}: a run is working on ${user}, or stopped and its lease lapses then`,
          fix: `wait until it lapses; if you know that run stopped, keywarden lease release --user ${user}`,
        };
      return { title, status: 'pass', detail: `${bucket} is reachable; no run holds ${user}'s lease` };
    } catch (err) {
      if (err instanceof PrerequisiteMissing) throw err;
      return {
        title,
        status: 'fail',
        detail: describeError(err),
        fix: 'check the bucket name and your access to it (s3:GetObject, s3:PutObject, s3:ListBucket)',
      };
    }
  },
};

/** The troubleshooting steps, in the order a person would take them. */
export const DOCTOR_CHECKS: readonly Check[] = [
  config,
  region,
  awsCli,
  credentials,
  permissions('audit'),
  permissions('rotate'),
  permissions('trail-s3'),
  permissions('trail-sign'),
  permissions('trail-signature-check'),
  permissions(
    'consumers',
    'keywarden consumers cannot run, and notices and issue bodies say that CloudTrail could not be read instead of naming who still uses an old key',
  ),
  user,
  secretName,
  rotationScope,
  keys,
  rotationPlan,
  lease,
  trail,
];
