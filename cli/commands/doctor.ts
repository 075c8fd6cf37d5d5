import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Command, Option } from 'commander';
import {
  type CheckOutcome,
  createDoctorContext,
  DOCTOR_CHECKS,
  doctorExitCode,
  runChecks,
  summaryLine,
} from '../../core/doctor/index.js';
import { type AwsFlags, addAwsOptions, awsOptions } from '../aws-options.js';
import type { Io } from '../io.js';
import { configOption, leaseBucketOption, trailBucketOption, trailFileOption } from '../options.js';

interface DoctorOptions extends AwsFlags {
  user?: string;
  config?: string;
  trailFile?: string;
  trailBucket?: string;
  leaseBucket?: string;
  format: 'text' | 'json';
}

export function registerDoctor(program: Command, io: Io, setExitCode: (code: number) => void): void {
  const command = program
    .command('doctor')
    .description(
      'Check everything rotation needs (the rotation policy’s troubleshooting steps), one line each. Exit 0 no check failed, 1 a check failed, 2 usage, 3 could not run.',
    )
    .option(
      '--user <name>',
      'also check this IAM user: exists, secret name, scope, keys, what rotation would do',
    )
    .addOption(configOption())
    .addOption(trailFileOption('check'))
    .addOption(trailBucketOption('check'))
    .addOption(leaseBucketOption())
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'));
  addAwsOptions(command, io).action(async (options: DoctorOptions) => setExitCode(await doctor(options, io)));
}

const MARK = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' } as const;

function renderOutcome(outcome: CheckOutcome): string {
  return `${MARK[outcome.status]}  ${outcome.title}: ${outcome.detail}${outcome.fix ? `\n      fix: ${outcome.fix}` : ''}\n`;
}

async function doctor(options: DoctorOptions, io: Io): Promise<number> {
  const context = createDoctorContext({
    user: options.user,
    configFile: options.config,
    trailFile: options.trailFile,
    trailBucket: options.trailBucket,
    leaseBucket: options.leaseBucket,
    aws: awsOptions(options, io),
    cwd: io.cwd,
    clock: io.clock,
    awsCliVersion: awsCliVersion,
  });
  const json = options.format === 'json';
  try {
    const report = await runChecks(DOCTOR_CHECKS, context, {
      now: io.clock(),
      onOutcome: json ? undefined : (outcome) => io.stdout.write(renderOutcome(outcome)),
    });
    io.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${summaryLine(report.summary)}\n`);
    return doctorExitCode(report.summary);
  } finally {
    context.close();
  }
}

async function awsCliVersion(): Promise<string | null> {
  try {
    const { stdout, stderr } = await promisify(execFile)('aws', ['--version'], { timeout: 10_000 });
    return (stdout || stderr).trim().split(' ')[0] ?? null;
  } catch {
    return null;
  }
}
