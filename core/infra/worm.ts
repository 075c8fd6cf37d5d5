/**
 * The one rule for a write-once (WORM) trail bucket, shared by the policy pack's require-worm-trail-bucket
 * (facts read from the stack at preview) and `keywarden doctor` (facts read from S3). Object Lock keeps every
 * version; the bucket policy refuses what Object Lock alone would let through: a delete marker on the newest
 * record (a plain DeleteObject) and an overwrite (a second version of a record's key).
 */

import {
  type FoundStatement,
  listOf,
  type PolicyStatement,
  patternMatches,
  statementsOf,
} from '../aws/iam-policy.js';
import { type MaybeKnown, UNKNOWN } from './unknown.js';

export interface TrailBucketFacts {
  objectLockEnabled: boolean;
  /** Default retention mode of the bucket's Object Lock configuration; null = no default retention. */
  defaultRetentionMode: 'COMPLIANCE' | 'GOVERNANCE' | null;
  /** Default retention in days (years × 365 when given in years); null = none. */
  defaultRetentionDays: number | null;
  versioning: 'Enabled' | 'Suspended' | null;
  /** The bucket policy as parsed JSON; null = none; 'unknown' = could not be read / not known at preview. */
  bucketPolicy: unknown | null | 'unknown';
}

export interface WormProblem {
  field: keyof TrailBucketFacts;
  /** A full sentence with the fix. */
  message: string;
}

/** Denied to every principal, unconditionally, on the records: deleting a record or one of its versions. */
export const REFUSED_RECORD_DELETIONS = ['s3:DeleteObject', 's3:DeleteObjectVersion'] as const;

/** Denied to every principal unless the request carries `If-None-Match: *`: writing over a record. */
const WRITE_RECORD = 's3:PutObject';

/**
 * Also denied by keywarden's own bucket policy (not required of other buckets): bypassing GOVERNANCE
 * retention, and lifecycle rules, whose expiration would put delete markers on the newest records.
 */
const BYPASS_RETENTION = 's3:BypassGovernanceRetention';
const EXPIRE_RECORDS = 's3:PutLifecycleConfiguration';

/** S3's condition key for the If-None-Match header of a conditional write (PutObject, CompleteMultipartUpload). */
export const IF_NONE_MATCH_KEY = 's3:if-none-match';

/**
 * The statements a trail bucket's policy needs for the rule below: no one deletes a record or a version, no
 * one writes a record without `If-None-Match: *` (S3 then refuses a write over an existing key), no one
 * bypasses retention or sets lifecycle expiration.
 */
export function wormBucketStatements(partition: string, bucket: string): PolicyStatement[] {
  const bucketArn = `arn:${partition}:s3:::${bucket}`;
  return [
    {
      Sid: 'NoOneDeletesARecord',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: [...REFUSED_RECORD_DELETIONS, BYPASS_RETENTION],
      Resource: `${bucketArn}/*`,
    },
    {
      Sid: 'NoOneOverwritesARecord',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: WRITE_RECORD,
      Resource: `${bucketArn}/*`,
      // Missing header or any value but "*": refused. With "*", S3 itself refuses a key that exists.
      Condition: { StringNotEqualsIfExists: { [IF_NONE_MATCH_KEY]: '*' } },
    },
    {
      Sid: 'NoOneExpiresRecords',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: EXPIRE_RECORDS,
      Resource: bucketArn,
    },
  ];
}

/** A Deny that applies to every principal and to objects of the bucket (`…/*` or `*`). */
function deniesEveryoneOnObjects(statement: FoundStatement): boolean {
  if (statement.Effect !== 'Deny') return false;
  const principal = statement.Principal;
  const everyone =
    principal === '*' ||
    (typeof principal === 'object' &&
      principal !== null &&
      'AWS' in principal &&
      listOf(principal.AWS).includes('*'));
  const onObjects = listOf(statement.Resource).some(
    (resource) => resource === '*' || resource.endsWith('/*'),
  );
  return everyone && onObjects && statement.NotAction === undefined;
}

const deniesAction = (statement: FoundStatement, action: string) =>
  listOf(statement.Action).some((pattern) => patternMatches(pattern, action));

/** Whether the condition makes the Deny apply exactly when If-None-Match is missing (or not "*"). */
function refusesWithoutIfNoneMatch(condition: FoundStatement['Condition']): boolean {
  if (!condition) return false;
  const entries = Object.entries(condition);
  const [operator, keys] = entries[0] ?? [];
  if (entries.length !== 1 || operator === undefined || keys === undefined) return false;
  const keyEntries = Object.entries(keys);
  const [key, value] = keyEntries[0] ?? [];
  if (keyEntries.length !== 1 || key === undefined || value === undefined) return false;
  if (key.toLowerCase() !== IF_NONE_MATCH_KEY) return false;
  const values = listOf(value);
  if (operator === 'Null') return values.length === 1 && values[0] === 'true';
  if (operator === 'StringNotEqualsIfExists') return values.length === 1 && values[0] === '*';
  return false;
}

function bucketPolicyProblems(policy: unknown): WormProblem[] {
  const statements = (statementsOf(policy) ?? []).filter(deniesEveryoneOnObjects);
  const missing = REFUSED_RECORD_DELETIONS.filter(
    (action) => !statements.some((statement) => !statement.Condition && deniesAction(statement, action)),
  );
  const problems: WormProblem[] = [];
  if (missing.length > 0) {
    problems.push({
      field: 'bucketPolicy',
      message: `The trail bucket's policy does not deny ${missing.join(' and ')} to every principal, so a record can be hidden by a delete marker or a version removed once retention ends: add a statement {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": [${REFUSED_RECORD_DELETIONS.map((action) => `"${action}"`).join(', ')}], "Resource": "arn:aws:s3:::<bucket>/*"}.`,
    });
  }
  const refusesOverwrite = statements.some(
    (statement) => deniesAction(statement, WRITE_RECORD) && refusesWithoutIfNoneMatch(statement.Condition),
  );
  if (!refusesOverwrite) {
    problems.push({
      field: 'bucketPolicy',
      message: `The trail bucket's policy does not deny ${WRITE_RECORD} without If-None-Match, so a record can be overwritten by a new version: add a statement {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "${WRITE_RECORD}", "Resource": "arn:aws:s3:::<bucket>/*", "Condition": {"Null": {"${IF_NONE_MATCH_KEY}": "true"}}}.`,
    });
  }
  return problems;
}

/**
 * Each way the trail bucket falls short of write-once storage that refuses deletes and overwrites; empty =
 * compliant. A bucket policy that is 'unknown' (not readable, or not known at preview) is not judged here:
 * the caller reports it as not checked.
 */
export function trailBucketProblems(facts: TrailBucketFacts, requiredRetentionDays: number): WormProblem[] {
  const problems: WormProblem[] = [];
  if (!facts.objectLockEnabled) {
    problems.push({
      field: 'objectLockEnabled',
      message:
        'The trail bucket has no Object Lock: create the bucket with Object Lock enabled (it can only be enabled when the bucket is created).',
    });
  }
  if (facts.defaultRetentionMode === null) {
    problems.push({
      field: 'defaultRetentionMode',
      message: `The trail bucket has no default Object Lock retention: set a default retention of COMPLIANCE mode for ${requiredRetentionDays} days (trail.retentionDays).`,
    });
  } else if (facts.defaultRetentionMode !== 'COMPLIANCE') {
    problems.push({
      field: 'defaultRetentionMode',
      message: `The trail bucket's default retention is ${facts.defaultRetentionMode} mode, which privileged users can bypass: set COMPLIANCE mode for ${requiredRetentionDays} days (trail.retentionDays).`,
    });
  } else if ((facts.defaultRetentionDays ?? 0) < requiredRetentionDays) {
    problems.push({
      field: 'defaultRetentionDays',
      message: `The trail bucket keeps records ${facts.defaultRetentionDays ?? 0} days, shorter than trail.retentionDays: set the default COMPLIANCE retention to at least ${requiredRetentionDays} days.`,
    });
  }
  if (facts.versioning !== 'Enabled') {
    problems.push({
      field: 'versioning',
      message: 'The trail bucket does not have versioning enabled: enable versioning.',
    });
  }
  if (facts.bucketPolicy !== 'unknown') problems.push(...bucketPolicyProblems(facts.bucketPolicy));
  return problems;
}

/** A default Object Lock retention as infrastructure code writes it (days, or years of 365 days). */
export interface DefaultRetention {
  mode?: string;
  days?: number;
  years?: number;
}

const retentionDaysOf = (retention: DefaultRetention) => (retention.days ?? 0) + (retention.years ?? 0) * 365;

/** What infrastructure code declares about a trail bucket, inline and through the resources that configure it. */
export interface DeclaredTrailBucket {
  objectLockEnabled: boolean;
  retentions: readonly DefaultRetention[];
  versioningEnabled: boolean;
  /** Policy documents (JSON text or objects); UNKNOWN for one known only at apply time. */
  policies: ReadonlyArray<MaybeKnown<unknown>>;
}

/**
 * The facts of a trail bucket from what infrastructure code declares about it, for every IaC tool: the bucket's
 * own settings and those of the resources that configure it. Of several default retentions (inline and
 * attached) the one that satisfies the rule is judged, if any; of the policies (inline and attached) every
 * statement counts, and one known only at apply time makes the policy 'unknown'.
 */
export function declaredTrailBucketFacts(
  declared: DeclaredTrailBucket,
  requiredRetentionDays: number,
): TrailBucketFacts {
  const { retentions } = declared;
  const chosen =
    retentions.find(
      (retention) => retention.mode === 'COMPLIANCE' && retentionDaysOf(retention) >= requiredRetentionDays,
    ) ?? retentions[0];
  const mode = chosen?.mode === 'COMPLIANCE' || chosen?.mode === 'GOVERNANCE' ? chosen.mode : null;
  const documents = declared.policies.filter(
    (document) => document !== undefined && document !== null && document !== '',
  );
  return {
    objectLockEnabled: declared.objectLockEnabled,
    defaultRetentionMode: chosen ? (mode ?? 'GOVERNANCE') : null,
    defaultRetentionDays: chosen ? retentionDaysOf(chosen) : null,
    versioning: declared.versioningEnabled ? 'Enabled' : null,
    bucketPolicy:
      documents.length === 0
        ? null
        : documents.includes(UNKNOWN)
          ? 'unknown'
          : {
              Version: '2012-10-17',
              Statement: documents.flatMap((document) => statementsOf(document) ?? []),
            },
  };
}
