/**
 * Fixtures for the policy unit tests: a compliant baseline shaped as `@pulumi/aws` 7 sends it, helpers that
 * change one thing about it, and runners that call a policy the way @pulumi/policy's analyzer does (props wrapped
 * in its unknown-checking proxy, "not applicable" and unknown-value errors caught and reported).
 */
import { createRequire } from 'node:module';
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from '@pulumi/policy';
import { quarantineEventPattern } from '../../core/infra/quarantine-rule.js';
import { componentTags, StackComponent, StackPurpose } from '../../core/infra/stack-tags.js';
import { wormBucketStatements } from '../../core/infra/worm.js';
import type { StackResource } from '../support/policy-harness.js';

const requirePolicy = createRequire(createRequire(import.meta.url).resolve('@pulumi/policy'));
const { unknownCheckingProxy } = requirePolicy('./proxy.js') as {
  unknownCheckingProxy<T extends object>(props: T): T;
};

export const ACCOUNT = '123456789012';
const urn = (type: string, name: string) => `urn:pulumi:dev::rotation::${type}::${name}`;

function resource(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  propertyDependencies: Record<string, string[]> = {},
): StackResource {
  return {
    type,
    name,
    urn: urn(type, name),
    inputs,
    propertyDependencies,
    dependencies: Object.values(propertyDependencies).flat(),
  };
}

const rotation = componentTags(StackComponent.rotation);
const roleArn = `arn:aws:iam::${ACCOUNT}:role/keywarden-rotation`;
const functionArn = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:keywarden-rotation`;

/** The rotation function's role policy that the checks accept: reads on *, key mutations only on enrolled users. */
export const compliantRolePolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['iam:ListUsers', 'iam:ListAccessKeys', 'iam:ListUserTags', 'iam:GetAccessKeyLastUsed'],
      Resource: '*',
    },
    {
      Effect: 'Allow',
      Action: ['iam:CreateAccessKey', 'iam:UpdateAccessKey', 'iam:DeleteAccessKey'],
      Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
      Condition: { StringEquals: { 'aws:ResourceTag/keywarden:rotation': 'enabled' } },
    },
    {
      Effect: 'Allow',
      Action: ['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue'],
      Resource: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:keywarden/*`,
    },
  ],
};

/** The trail bucket's policy that the WORM check accepts: no deletes, no write without If-None-Match. */
export const compliantTrailBucketPolicy = {
  Version: '2012-10-17',
  Statement: wormBucketStatements('aws', 'keywarden-trail-123456789012'),
};

/** A rotation stack that passes every stack check, with the dependencies the engine would report. */
export function compliantRotationStack(): StackResource[] {
  const role = resource('aws:iam/role:Role', 'rotation-role', {
    name: 'keywarden-rotation',
    arn: roleArn,
    tags: rotation,
  });
  const logGroup = resource('aws:cloudwatch/logGroup:LogGroup', 'rotation-logs', {
    name: '/aws/lambda/keywarden-rotation',
    retentionInDays: 2557,
    tags: rotation,
  });
  const fn = resource(
    'aws:lambda/function:Function',
    'rotation',
    {
      name: 'keywarden-rotation',
      arn: functionArn,
      role: roleArn,
      runtime: 'nodejs22.x',
      loggingConfig: { logFormat: 'JSON', logGroup: '/aws/lambda/keywarden-rotation' },
      tags: rotation,
    },
    { role: [role.urn], loggingConfig: [logGroup.urn] },
  );
  const pattern = JSON.stringify(quarantineEventPattern());
  const bus = resource('aws:cloudwatch/eventBus:EventBus', 'quarantine-events', {
    name: 'keywarden-rotation-quarantine',
    arn: `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/keywarden-rotation-quarantine`,
  });
  const attached = resource('aws:cloudwatch/eventRule:EventRule', 'quarantine-attached', {
    name: 'keywarden-rotation-quarantine-attached',
    arn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/keywarden-rotation-quarantine-attached`,
    region: 'us-east-1',
    eventPattern: pattern,
    state: 'ENABLED',
  });
  const rotate = resource(
    'aws:cloudwatch/eventRule:EventRule',
    'quarantine-rotate',
    {
      name: 'keywarden-rotation-quarantine-rotate',
      arn: `arn:aws:events:eu-west-1:${ACCOUNT}:rule/keywarden-rotation-quarantine/keywarden-rotation-quarantine-rotate`,
      eventBusName: 'keywarden-rotation-quarantine',
      eventPattern: pattern,
      state: 'ENABLED',
    },
    { eventBusName: [bus.urn] },
  );
  const quarantine = [
    bus,
    attached,
    resource(
      'aws:cloudwatch/eventTarget:EventTarget',
      'quarantine-forward',
      { region: 'us-east-1', rule: attached.inputs['name'], arn: bus.inputs['arn'] },
      { rule: [attached.urn], arn: [bus.urn] },
    ),
    rotate,
    resource(
      'aws:cloudwatch/eventTarget:EventTarget',
      'quarantine-rotate-target',
      { rule: rotate.inputs['name'], eventBusName: bus.inputs['name'], arn: functionArn },
      { rule: [rotate.urn], arn: [fn.urn] },
    ),
    resource(
      'aws:lambda/permission:Permission',
      'quarantine-invoke',
      {
        action: 'lambda:InvokeFunction',
        function: 'keywarden-rotation',
        principal: 'events.amazonaws.com',
        sourceArn: rotate.inputs['arn'],
      },
      { function: [fn.urn], sourceArn: [rotate.urn] },
    ),
  ];
  const bucket = resource('aws:s3/bucket:Bucket', 'trail', {
    bucket: 'keywarden-trail-123456789012',
    objectLockEnabled: true,
    tags: componentTags(StackComponent.rotation, StackPurpose.trailBucket),
  });
  return [
    role,
    resource(
      'aws:iam/rolePolicy:RolePolicy',
      'rotation-permissions',
      { role: 'keywarden-rotation', policy: JSON.stringify(compliantRolePolicy) },
      { role: [role.urn] },
    ),
    resource(
      'aws:iam/rolePolicyAttachment:RolePolicyAttachment',
      'rotation-basic-execution',
      {
        role: 'keywarden-rotation',
        policyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
      },
      { role: [role.urn] },
    ),
    logGroup,
    fn,
    resource(
      'aws:scheduler/schedule:Schedule',
      'rotation-daily',
      {
        scheduleExpression: 'rate(1 day)',
        state: 'ENABLED',
        flexibleTimeWindow: { mode: 'OFF' },
        target: { arn: functionArn, roleArn: `arn:aws:iam::${ACCOUNT}:role/keywarden-scheduler` },
      },
      { target: [fn.urn] },
    ),
    ...quarantine,
    bucket,
    resource('aws:s3/bucket:Bucket', 'leases', {
      bucket: 'keywarden-leases-123456789012',
      tags: componentTags(StackComponent.rotation, StackPurpose.leaseBucket),
    }),
    resource(
      'aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration',
      'trail-lock',
      { bucket: bucket.inputs['bucket'], rule: { defaultRetention: { mode: 'COMPLIANCE', days: 2557 } } },
      { bucket: [bucket.urn] },
    ),
    resource(
      'aws:s3/bucketVersioning:BucketVersioning',
      'trail-versioning',
      { bucket: bucket.inputs['bucket'], versioningConfiguration: { status: 'Enabled' } },
      { bucket: [bucket.urn] },
    ),
    resource(
      'aws:s3/bucketPolicy:BucketPolicy',
      'trail-policy',
      { bucket: bucket.inputs['bucket'], policy: JSON.stringify(compliantTrailBucketPolicy) },
      { bucket: [bucket.urn] },
    ),
  ];
}

/** The stack with one resource's inputs changed. */
export function changing(
  stack: StackResource[],
  name: string,
  change: (inputs: Record<string, unknown>) => Record<string, unknown>,
): StackResource[] {
  if (!stack.some((r) => r.name === name)) throw new Error(`no resource named ${name} in the fixture`);
  return stack.map((r) => (r.name === name ? { ...r, inputs: change(structuredClone(r.inputs)) } : r));
}

/** The stack without the named resource (and without references to it). */
export function without(stack: StackResource[], name: string): StackResource[] {
  const gone = stack.find((r) => r.name === name);
  if (!gone) throw new Error(`no resource named ${name} in the fixture`);
  return stack
    .filter((r) => r !== gone)
    .map((r) => ({
      ...r,
      dependencies: (r.dependencies ?? []).filter((d) => d !== gone.urn),
      propertyDependencies: Object.fromEntries(
        Object.entries(r.propertyDependencies ?? {}).map(([k, v]) => [k, v.filter((d) => d !== gone.urn)]),
      ),
    }));
}

/** What a policy said about the resources it was given. */
export interface Outcome {
  violations: { message: string; urn: string | undefined }[];
  notApplicable?: string;
  /** The analyzer's advisory when a needed value is unknown during preview. */
  unknownValue?: string;
}

function capture(run: (report: ReportViolation) => unknown): Outcome {
  const outcome: Outcome = { violations: [] };
  try {
    run((message, urn) => outcome.violations.push({ message, urn }));
  } catch (err) {
    const name = (err as Error).constructor.name;
    if (name === 'NotApplicableError') outcome.notApplicable = (err as { reason: string }).reason;
    else if (name === 'UnknownValueError') outcome.unknownValue = (err as Error).message;
    else throw err;
  }
  return outcome;
}

class NotApplicableError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(reason);
    this.reason = reason;
  }
}
const notApplicable = (reason?: string): never => {
  throw new NotApplicableError(reason ?? 'Policy does not apply');
};

/** Runs a resource policy over one resource's inputs, as the analyzer does during preview. */
export function runResourcePolicy(
  policy: ResourceValidationPolicy,
  input: Pick<StackResource, 'type' | 'name' | 'inputs' | 'provider'>,
  config: Record<string, unknown> = {},
): Outcome {
  const validate = policy.validateResource as (
    args: ResourceValidationArgs,
    report: ReportViolation,
  ) => unknown;
  const args = {
    type: input.type,
    name: input.name,
    urn: urn(input.type, input.name),
    props: unknownCheckingProxy(structuredClone(input.inputs)),
    ...(input.provider && {
      provider: { ...input.provider, props: unknownCheckingProxy(input.provider.props) },
    }),
    getConfig: () => structuredClone(config),
    notApplicable,
  } as unknown as ResourceValidationArgs;
  return capture((report) => validate(args, report));
}

/** Runs a stack policy over resources (their outputs, else inputs), linked by URN as the analyzer links them. */
export function runStackPolicy(
  policy: StackValidationPolicy,
  stack: StackResource[],
  config: Record<string, unknown> = {},
): Outcome {
  const byUrn = new Map<string, PolicyResource>();
  const resources = stack.map((r) => {
    const policyResource = {
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: unknownCheckingProxy(structuredClone(r.outputs ?? r.inputs)),
      dependencies: [],
      propertyDependencies: {},
    } as unknown as PolicyResource;
    byUrn.set(r.urn, policyResource);
    return policyResource;
  });
  stack.forEach((r, index) => {
    const target = resources[index]!;
    target.dependencies = (r.dependencies ?? []).flatMap((d) => byUrn.get(d) ?? []);
    target.propertyDependencies = Object.fromEntries(
      Object.entries(r.propertyDependencies ?? {}).map(([k, v]) => [k, v.flatMap((d) => byUrn.get(d) ?? [])]),
    );
  });
  const args = { resources, getConfig: () => structuredClone(config), notApplicable, stackTags: new Map() };
  return capture((report) => policy.validateStack(args as never, report));
}
