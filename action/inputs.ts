import { UsageError } from '../core/errors.js';
import type { SourceName } from '../core/inventory/records.js';
import { FAIL_ON, type FailOn } from '../core/policy/evaluate.js';
import {
  describeWholeRange,
  parseWholeInRange,
  SETTING_RANGES,
  type WholeRange,
} from '../core/policy/settings.js';
import { parseInstant } from '../core/time.js';

/** Reads one input by its action.yml name; '' when unset (the @actions/core contract). */
export type GetInput = (name: string) => string;

export const CREATE_ISSUES = ['auto', 'true', 'false'] as const;
export type CreateIssues = (typeof CREATE_ISSUES)[number];
const SOURCES = ['credential-report', 'api'] as const;
/** The write cap is the Action's own setting, not a policy one. */
const MAX_ISSUE_WRITES: WholeRange = { min: 0, max: 1000 };

/**
 * Defaults, kept equal to action.yml's (a test compares them), so the action behaves the same when
 * the runner did not fill an input in (a local run, a unit test).
 */
export const INPUT_DEFAULTS = {
  source: 'credential-report',
  'create-issues': 'auto',
  'issue-labels': 'iam-key-rotation',
  'fail-on': 'violation',
  'mask-key-ids': 'true',
  'max-issue-writes': '30',
  audit: 'true',
} as const;

/** The issue labels: at least one (the first finds keywarden's issues again). */
export type IssueLabels = readonly [string, ...string[]];

export interface ActionInputs {
  githubToken: string;
  configFile: string | undefined;
  maxKeyAgeDays: number | undefined;
  warnDays: number | undefined;
  source: SourceName;
  createIssues: CreateIssues;
  /** The first label finds keywarden's issues again; every label is put on a new issue. */
  issueLabels: IssueLabels;
  failOn: FailOn;
  maskKeyIds: boolean;
  maxIssueWrites: number;
  asOf: Date | undefined;
  /** Many accounts: `organization`, account IDs, or a file of them (relative to the workspace); '' = one. */
  accounts: string;
  roleName: string;
  /** GitHub logins whose issues count besides the token's own (another app's `<slug>[bot]`, a PAT's user). */
  trustedAuthors: string[];
  /** Globs of plans, templates and CDK assemblies to check (relative to the workspace); none = no check. */
  iacPaths: string[];
  /** Whether to audit the account's keys (false: only the IaC check, no AWS access). */
  audit: boolean;
}

/** Every input, validated before anything touches AWS or GitHub. Throws a UsageError naming the input. */
export function readInputs(getInput: GetInput): ActionInputs {
  const defaults: Readonly<Partial<Record<string, string>>> = INPUT_DEFAULTS;
  const read = (name: string) => {
    const value = getInput(name).trim();
    return value === '' ? (defaults[name] ?? '') : value;
  };
  const labels = read('issue-labels')
    .split(/[,\n]/)
    .map((label) => label.trim())
    .filter(Boolean);
  const [firstLabel, ...moreLabels] = labels;
  if (firstLabel === undefined) throw new UsageError('input issue-labels: name at least one label');
  const tooLong = labels.find((label) => label.length > 50);
  if (tooLong) throw new UsageError(`input issue-labels: "${tooLong}" is longer than 50 characters`);
  const asOf = read('as-of');
  return {
    githubToken: read('github-token'),
    configFile: read('config') || undefined,
    maxKeyAgeDays: optionalWholeNumber(
      read('max-key-age-days'),
      'max-key-age-days',
      SETTING_RANGES.maxKeyAgeDays,
    ),
    warnDays: optionalWholeNumber(read('warn-days'), 'warn-days', SETTING_RANGES.warnDays),
    source: oneOf(read('source'), 'source', SOURCES),
    createIssues: oneOf(read('create-issues'), 'create-issues', CREATE_ISSUES),
    issueLabels: [firstLabel, ...moreLabels],
    failOn: oneOf(read('fail-on'), 'fail-on', FAIL_ON),
    maskKeyIds: oneOf(read('mask-key-ids'), 'mask-key-ids', ['true', 'false'] as const) === 'true',
    maxIssueWrites: optionalWholeNumber(read('max-issue-writes'), 'max-issue-writes', MAX_ISSUE_WRITES) ?? 0,
    asOf: asOf ? parseInstant(asOf, 'input as-of') : undefined,
    ...accountInputs(read('accounts'), read('role-name')),
    trustedAuthors: logins(read('trusted-authors')),
    ...checkInputs(read('iac-paths'), read('audit')),
  };
}

function checkInputs(iacPaths: string, audit: string): Pick<ActionInputs, 'iacPaths' | 'audit'> {
  const patterns = iacPaths
    .split(/[,\n]/)
    .map((pattern) => pattern.trim())
    .filter(Boolean);
  const auditing = oneOf(audit, 'audit', ['true', 'false'] as const) === 'true';
  if (!auditing && patterns.length === 0) {
    throw new UsageError('input audit is false and input iac-paths is empty: there is nothing to do');
  }
  return { iacPaths: patterns, audit: auditing };
}

function accountInputs(accounts: string, roleName: string): Pick<ActionInputs, 'accounts' | 'roleName'> {
  if (accounts && !roleName) {
    throw new UsageError('input accounts needs input role-name (the role assumed in every account)');
  }
  if (roleName && !accounts) throw new UsageError('input role-name needs input accounts');
  return { accounts, roleName };
}

/** GitHub logins are letters, digits and single hyphens; an app's bot user ends in [bot]. */
function logins(text: string): string[] {
  const names = text
    .split(/[,\s]+/)
    .map((name) => name.trim().replace(/^@/, ''))
    .filter(Boolean);
  const bad = names.find((name) => !/^[A-Za-z\d](?:[A-Za-z\d-]{0,38})(\[bot\])?$/.test(name));
  if (bad) throw new UsageError(`input trusted-authors: "${bad}" is not a GitHub login`);
  return names;
}

function oneOf<T extends string>(value: string, name: string, allowed: readonly T[]): T {
  const choice = allowed.find((candidate) => candidate === value);
  if (choice !== undefined) return choice;
  throw new UsageError(`input ${name}: "${value}" is not one of ${allowed.join(', ')}`);
}

function optionalWholeNumber(value: string, name: string, range: WholeRange): number | undefined {
  if (value === '') return undefined;
  const number = parseWholeInRange(value, range);
  if (number === undefined) {
    throw new UsageError(`input ${name}: "${value}" is not ${describeWholeRange(range)}`);
  }
  return number;
}
