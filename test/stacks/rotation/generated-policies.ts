/**
 * The policies the rotation stack generates, recorded under setMocks, and one simulation call
 * (@cloud-copilot/iam-simulate) for the tests that prove what those policies allow.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { patternMatches } from '../../../core/aws/iam-policy.js';
import main from '../../../stacks/rotation/index.js';
import { MOCK_ACCOUNT, MOCK_REGION, runProgram } from '../../support/pulumi-program.js';

export type Document = { Version: string; Statement: unknown[] };
export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** A real key ARN's shape for the mock's placeholder (the simulator checks resource ARNs). */
export const KEY_ARN = `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT}:key/0b7c6f9e-2b1a-4f3e-9c1d-5a6b7c8d9e0f`;

export interface GeneratedPolicies {
  trailBucket: string;
  /** The function role's inline policy. */
  rolePolicy: Document;
  keyPolicy: Document;
  trailBucketPolicy: Document;
}

export async function generatedPolicies(): Promise<GeneratedPolicies> {
  const stack = await runProgram(
    'keywarden-rotation',
    () =>
      main({
        asOf: new Date('2026-11-28T06:00:00Z'),
        handlerCode: 'export const handler = async () => ({});',
      }),
    { notificationEmails: ['security@example.com'] },
  );
  const placeholder = String(stack.outputs.secretsKmsKeyArn);
  const read = (name: string) =>
    JSON.parse(String(stack.named(name).inputs.policy).split(placeholder).join(KEY_ARN)) as Document;
  return {
    trailBucket: String(stack.outputs.trailBucket),
    rolePolicy: read('function-permissions'),
    keyPolicy: read('secrets-key'),
    trailBucketPolicy: read('trail-tls-only'),
  };
}

export interface Request {
  principal: string;
  identityPolicies: Document[];
  action: string;
  resource: string;
  resourcePolicy: Document | undefined;
  /** Context keys; aws:PrincipalArn is set from the principal. */
  context?: Record<string, string | string[]>;
}

const SECRET_ARN_CONTEXT = 'kms:EncryptionContext:SecretARN';

/**
 * iam-simulate 0.1.173 ignores `kms:EncryptionContext:<key>` in a request (it matches only `prefix/name`
 * variable keys), so the SecretARN condition is decided here, in every policy of the request: a statement
 * whose StringLike (StringNotLike) SecretARN condition the request's context fails cannot apply and is
 * dropped; one it satisfies keeps its other conditions.
 */
export function resolveEncryptionContext(
  policy: Document,
  context: Record<string, string | string[]>,
): Document {
  const secretArn = context[SECRET_ARN_CONTEXT];
  const holds = (operator: string, pattern: string | string[]) => {
    const matched =
      typeof secretArn === 'string' && [pattern].flat().some((p) => patternMatches(p, secretArn));
    return operator === 'StringLike' ? matched : !matched;
  };
  const statements = policy.Statement.flatMap((statement) => {
    const s = statement as { Condition?: Record<string, Record<string, string | string[]>> };
    const condition: Record<string, Record<string, string | string[]>> = { ...s.Condition };
    for (const operator of ['StringLike', 'StringNotLike']) {
      const pattern = condition[operator]?.[SECRET_ARN_CONTEXT];
      if (pattern === undefined) continue;
      if (!holds(operator, pattern)) return [];
      const { [SECRET_ARN_CONTEXT]: _, ...rest } = condition[operator] ?? {};
      if (Object.keys(rest).length === 0) delete condition[operator];
      else condition[operator] = rest;
    }
    if (s.Condition === undefined) return [statement];
    const { Condition: _, ...withoutCondition } = s;
    return [Object.keys(condition).length > 0 ? { ...s, Condition: condition } : withoutCondition];
  });
  return { ...policy, Statement: statements };
}

/** The simulator's decision for one same-account request (a validation error throws). */
export async function decide(request: Request): Promise<Decision> {
  const context = request.context ?? {};
  const resolve = (policy: Document) =>
    request.action.startsWith('kms:') ? resolveEncryptionContext(policy, context) : policy;
  const simulation = {
    identityPolicies: request.identityPolicies.map((policy, index) => ({
      name: `p${index}`,
      policy: resolve(policy),
    })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: request.resourcePolicy && resolve(request.resourcePolicy),
    request: {
      action: request.action,
      principal: request.principal,
      resource: { accountId: MOCK_ACCOUNT, resource: request.resource },
      contextVariables: { 'aws:PrincipalArn': request.principal, ...request.context },
    },
  } as unknown as Simulation;
  const response = await runSimulation(simulation, {});
  // An action without a resource type (iam:ListUsers on "*") comes back as a "wildcard" result.
  if (response.resultType !== 'single' && response.resultType !== 'wildcard')
    throw new Error(JSON.stringify(response));
  return response.overallResult as Decision;
}
