// The EventBridge rule that starts a rotation run when AWS quarantines a user (rotation stack), and the rule the
// policy pack holds it to. Pure: no SDK, no Pulumi.
import { QUARANTINE_POLICY_NAMES, quarantinePolicyArns } from '../aws/quarantine.js';

/**
 * IAM is a global service: CloudTrail delivers its management events to EventBridge in us-east-1 only, so a rule
 * on them matches there and nowhere else (a stack in another region forwards them from us-east-1).
 */
export const IAM_EVENTS_REGION = 'us-east-1';

/** CloudTrail's AttachUserPolicy of one of AWS's quarantine policies (any partition's ARNs given). */
export function quarantineEventPattern(partition = 'aws') {
  return {
    source: ['aws.iam'],
    'detail-type': ['AWS API Call via CloudTrail'],
    detail: {
      eventSource: ['iam.amazonaws.com'],
      eventName: ['AttachUserPolicy'],
      requestParameters: { policyArn: quarantinePolicyArns(partition) },
    },
  };
}

/** The function's input: the user AWS quarantined, the policy and when (EventBridge input transformer). */
export const QUARANTINE_EVENT_INPUT = {
  inputPaths: {
    user: '$.detail.requestParameters.userName',
    policyArn: '$.detail.requestParameters.policyArn',
    at: '$.detail.eventTime',
  },
  inputTemplate: '{"source":"keywarden-quarantine","user":<user>,"policyArn":<policyArn>,"at":<at>}',
} as const;

const asList = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Why an event pattern (the JSON text of a rule) would miss a quarantine, or null when it matches every
 * AttachUserPolicy of the three quarantine policies.
 */
export function quarantinePatternProblem(patternText: string): string | null {
  let pattern: unknown;
  try {
    pattern = JSON.parse(patternText);
  } catch {
    return 'its eventPattern is not JSON';
  }
  if (!isRecord(pattern)) return 'its eventPattern is not a JSON object';
  const detail = isRecord(pattern['detail']) ? pattern['detail'] : {};
  const parameters = isRecord(detail['requestParameters']) ? detail['requestParameters'] : {};
  const missing: string[] = [];
  if (!asList(pattern['source']).includes('aws.iam')) missing.push('source "aws.iam"');
  if (!asList(pattern['detail-type']).includes('AWS API Call via CloudTrail'))
    missing.push('detail-type "AWS API Call via CloudTrail"');
  if (!asList(detail['eventName']).includes('AttachUserPolicy'))
    missing.push('detail.eventName "AttachUserPolicy"');
  const arns = asList(parameters['policyArn']).filter((arn): arn is string => typeof arn === 'string');
  for (const name of QUARANTINE_POLICY_NAMES) {
    if (!arns.some((arn) => arn.endsWith(`:iam::aws:policy/${name}`)))
      missing.push(`detail.requestParameters.policyArn of ${name}`);
  }
  return missing.length > 0 ? `its eventPattern does not match ${missing.join(', ')}` : null;
}
