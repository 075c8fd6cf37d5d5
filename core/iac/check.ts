/**
 * `keywarden check`: the pack's resource rules (core/infra) over what core/iac's readers found in plans,
 * templates and CDK stacks. Pure: inputs, config and clock in, a report out.
 */
import { ExitCode } from '../errors.js';
import { judgeAccessKey } from '../infra/access-keys.js';
import { type EnforcementLevel, INFRA_POLICIES, type InfraPolicy, type Severity } from '../infra/policies.js';
import { misspeltTagMessage, readRotationTags } from '../infra/rotation-tags.js';
import { UNKNOWN } from '../infra/unknown.js';
import { declaredTrailBucketFacts, trailBucketProblems } from '../infra/worm.js';
import type { Config } from '../policy/schema.js';
import { trailSettings } from '../trail/settings.js';
import { TOOL } from '../version.js';
import type { IacAccessKey, IacFormat, IacInput, IacResource, IacTrailBucket, IacUser } from './resource.js';

/** The policies `keywarden check` applies, in the order its output lists them. */
export const CHECK_POLICIES: readonly InfraPolicy[] = [
  INFRA_POLICIES.rejectIamAccessKeys,
  INFRA_POLICIES.requireValidRotationTags,
  INFRA_POLICIES.requireWormTrailBucket,
];

export interface IacFinding {
  policy: string;
  /** mandatory: the change must not go ahead (exit 1); advisory: a person should look. */
  level: EnforcementLevel;
  severity: Severity;
  file: string;
  line?: number;
  address: string;
  resourceType: string;
  message: string;
}

export interface CheckReport {
  /** The JSON contract's version (CHANGELOG). */
  schemaVersion: 1;
  tool: { name: string; version: string };
  asOf: Date;
  inputs: Array<{ file: string; format: IacFormat; stack?: string; resources: number }>;
  findings: IacFinding[];
  summary: { inputs: number; resources: number; mandatory: number; advisory: number };
}

/** Every finding of every input, in input and resource order. */
export function checkInputs(inputs: readonly IacInput[], config: Config, asOf: Date): CheckReport {
  const findings = inputs.flatMap((input) =>
    input.resources.flatMap((resource) =>
      resource.kind === 'access-key'
        ? accessKeyFindings(resource, input, config, asOf)
        : resource.kind === 'user'
          ? userFindings(resource, config)
          : trailBucketFindings(resource, config),
    ),
  );
  return {
    schemaVersion: 1,
    tool: { name: TOOL.name, version: TOOL.version },
    asOf,
    inputs: inputs.map((input) => ({
      file: input.file,
      format: input.format,
      ...(input.stack !== undefined && { stack: input.stack }),
      resources: input.resourceCount,
    })),
    findings,
    summary: {
      inputs: inputs.length,
      resources: inputs.reduce((sum, input) => sum + input.resourceCount, 0),
      mandatory: findings.filter((f) => f.level === 'mandatory').length,
      advisory: findings.filter((f) => f.level === 'advisory').length,
    },
  };
}

/** Exit 1 on a mandatory violation, else 0 (advisories alone never fail a check). */
export function checkExitCode(report: CheckReport): ExitCode {
  return report.summary.mandatory > 0 ? ExitCode.findings : ExitCode.ok;
}

function finding(
  policy: InfraPolicy,
  resource: IacResource,
  message: string,
  level: EnforcementLevel = policy.enforcementLevel,
): IacFinding {
  return {
    policy: policy.name,
    level,
    severity: policy.severity,
    file: resource.file,
    ...(resource.line !== undefined && { line: resource.line }),
    address: resource.address,
    resourceType: resource.type,
    message,
  };
}

function accessKeyFindings(key: IacAccessKey, input: IacInput, config: Config, asOf: Date): IacFinding[] {
  const policy = INFRA_POLICIES.rejectIamAccessKeys;
  const judgement = judgeAccessKey(
    { resource: key.label, user: key.user, status: key.status, account: input.account },
    config,
    asOf,
    input.words,
  );
  if (judgement.outcome === 'rejected') return [finding(policy, key, judgement.message)];
  if (judgement.outcome === 'exempt') return [];
  return [
    finding(
      policy,
      key,
      `${key.label} creates an access key for an IAM user named only at apply time, and an exemption is in force, so keywarden cannot tell whether it covers this user: name the user where the code fixes it (a literal name, or a reference to a user resource, ${input.words.userType}, whose name is literal) so that the key can be judged.`,
      'advisory',
    ),
  ];
}

function userFindings(user: IacUser, config: Config): IacFinding[] {
  const policy = INFRA_POLICIES.requireValidRotationTags;
  const userName = typeof user.name === 'string' ? user.name : user.address;
  const { tagKey, tagValue } = config.scope;
  if (user.tags === UNKNOWN) {
    return [
      finding(
        policy,
        user,
        `IAM user "${userName}" has tags known only at apply time, so keywarden cannot tell whether its ${tagKey} tag is written exactly as ${tagKey}=${tagValue}: write the tags where the code fixes them.`,
        'advisory',
      ),
    ];
  }
  const { rotationTags, misspelt } = readRotationTags(user.tags, config.scope);
  const unknownValues = rotationTags.filter((tag) => tag.value === UNKNOWN);
  return [
    ...misspelt.map((tag) => finding(policy, user, misspeltTagMessage(userName, tag, config.scope))),
    ...unknownValues.map((tag) =>
      finding(
        policy,
        user,
        `IAM user "${userName}" is tagged ${JSON.stringify(tag.key)} with a value known only at apply time, so keywarden cannot tell whether it is ${tagKey}=${tagValue}: write the value where the code fixes it.`,
        'advisory',
      ),
    ),
  ];
}

/**
 * A bucket tagged as the audit trail (for `keywarden rotate --trail-bucket`, or the rotation stack's) judged by the
 * write-once rule of core/infra/worm.ts; a policy known only at apply time is not judged (an advisory says so).
 */
function trailBucketFindings(bucket: IacTrailBucket, config: Config): IacFinding[] {
  const policy = INFRA_POLICIES.requireWormTrailBucket;
  const days = trailSettings(config).retentionDays;
  const facts = declaredTrailBucketFacts(bucket.declared, days);
  const findings = trailBucketProblems(facts, days).map((problem) =>
    finding(policy, bucket, `${bucket.label}: ${problem.message}`),
  );
  if (facts.bucketPolicy === 'unknown') {
    findings.push(
      finding(
        policy,
        bucket,
        `${bucket.label}: the trail bucket's policy is known only at apply time, so keywarden cannot tell whether it refuses deletes and overwrites: write the policy's resources from the bucket's literal name, or run keywarden doctor --trail-bucket NAME once the bucket exists.`,
        'advisory',
      ),
    );
  }
  return findings;
}
