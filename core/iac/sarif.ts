/**
 * `keywarden check --format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it (one run, the policies as
 * rules with their help, each finding a result with its file and, where known, its line). A test validates
 * the output against the published SARIF 2.1.0 schema and GitHub's documented limits.
 */
import { createHash } from 'node:crypto';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import { UsageError } from '../errors.js';
import type { InfraPolicy, Severity } from '../infra/policies.js';
import { part11Meaning } from '../policy/controls/part11.js';
import { TOOL } from '../version.js';
import { CHECK_POLICIES, type CheckReport, type IacFinding } from './check.js';

/** Code scanning keeps at most this many results of a run (GitHub's documented limit). */
export const SARIF_MAX_RESULTS = 25_000;

/** Where code scanning sends a person who asks about the tool: the package's page. */
export const TOOL_INFORMATION_URI = 'https://www.npmjs.com/package/keywarden';

/** GitHub's security-severity scale: over 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, under 4.0 low. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '2.0',
};

const sarifLevel = (level: IacFinding['level']) => (level === 'mandatory' ? 'error' : 'warning');

function rule(policy: InfraPolicy): ReportingDescriptor {
  const clause = `21 CFR ${policy.clause} (${part11Meaning(policy.clause)})`;
  return {
    id: policy.name,
    name: policy.name
      .split('-')
      .map((word) => `${word[0]?.toUpperCase()}${word.slice(1)}`)
      .join(''),
    shortDescription: { text: policy.summary },
    fullDescription: { text: policy.description },
    help: {
      text: `${policy.description} Enforcement: ${policy.enforcementLevel}. Serves ${clause}. Each result's message says what to change.`,
      markdown: `${policy.description}\n\n**Enforcement:** ${policy.enforcementLevel} (a mandatory violation fails \`keywarden check\`).\n\n**Serves:** ${clause}.\n\nEach result's message says what to change for that resource.`,
    },
    defaultConfiguration: { level: sarifLevel(policy.enforcementLevel) },
    properties: {
      tags: ['security', 'iac', 'aws-iam', '21-cfr-part-11'],
      precision: 'very-high',
      'security-severity': SECURITY_SEVERITY[policy.severity],
    },
  };
}

/** A stable identity for a finding across runs: the policy, the file and the resource address. */
function fingerprint(finding: IacFinding): string {
  return createHash('sha256')
    .update(`${finding.policy}\u0000${finding.file}\u0000${finding.address}`)
    .digest('hex');
}

/** A repository-relative path as a URI reference (each segment percent-encoded); an absolute path as file://. */
function artifactUri(file: string): string {
  if (file.startsWith('/')) return new URL(`file://${file}`).href;
  return file.split('/').map(encodeURIComponent).join('/');
}

function result(finding: IacFinding, ruleIndex: number): Result {
  return {
    ruleId: finding.policy,
    ruleIndex,
    level: sarifLevel(finding.level),
    message: { text: finding.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: artifactUri(finding.file) },
          ...(finding.line !== undefined && { region: { startLine: finding.line } }),
        },
        logicalLocations: [{ fullyQualifiedName: finding.address, kind: 'resource' }],
      },
    ],
    partialFingerprints: { 'keywardenFinding/v1': fingerprint(finding) },
  };
}

/** The report as a SARIF 2.1.0 log; more results than code scanning keeps is refused, never cut short. */
export function renderCheckSarif(report: CheckReport): string {
  if (report.findings.length > SARIF_MAX_RESULTS) {
    throw new UsageError(
      `${report.findings.length} findings are more than code scanning accepts in one run (${SARIF_MAX_RESULTS}): check fewer paths at a time, or use --format json`,
    );
  }
  const ruleIndex = new Map(CHECK_POLICIES.map((policy, index) => [policy.name, index]));
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: TOOL.name,
            version: TOOL.version,
            semanticVersion: TOOL.version,
            informationUri: TOOL_INFORMATION_URI,
            rules: CHECK_POLICIES.map(rule),
          },
        },
        invocations: [{ executionSuccessful: true }],
        // The instant exemptions were judged at (--as-of, else the clock): part of what the results mean.
        properties: { asOf: report.asOf.toISOString() },
        results: report.findings.map((finding) => result(finding, ruleIndex.get(finding.policy) ?? -1)),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
