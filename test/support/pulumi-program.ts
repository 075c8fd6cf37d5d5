import * as pulumi from '@pulumi/pulumi';

/** One resource as the program registered it: its type token, logical name and resolved inputs. */
export interface RegisteredResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** The resource option that keeps it in AWS when the stack is destroyed (read from the registration). */
  retainOnDelete?: boolean;
}

export interface ProgramRun {
  resources: RegisteredResource[];
  outputs: Record<string, unknown>;
  /** The only resource of `type` (throws when there is none or more than one). */
  one(type: string): RegisteredResource;
  all(type: string): RegisteredResource[];
  /** The resource registered under the logical name `name`. */
  named(name: string): RegisteredResource;
}

export const MOCK_ACCOUNT = '123456789012';
export const MOCK_REGION = 'eu-central-1';
export const MOCK_ORGANIZATION = 'o-a1b2c3d4e5';
export const MOCK_ROOT = 'r-a1b2';

/**
 * Mocks that answer like the AWS provider where the programs read an output: a physical name, an ARN, a
 * bucket name and a queue URL; invokes answer for account, partition and region. `registered` collects
 * every resource with its inputs.
 */
export function awsMocks(registered: RegisteredResource[] = []): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      const physicalName = (args.inputs.name as string | undefined) ?? `${args.name}-${registered.length}`;
      const service = args.type.split(':')[1]?.split('/')[0] ?? 'x';
      return {
        id: physicalName,
        state: {
          ...args.inputs,
          name: physicalName,
          // KMS names a key by its ID under key/ (the pack checks that a grant names one key).
          arn: `arn:aws:${service}:${MOCK_REGION}:${MOCK_ACCOUNT}:${service === 'kms' ? 'key/' : ''}${physicalName}`,
          ...(args.type === 'aws:s3/bucket:Bucket' ? { bucket: physicalName } : {}),
          ...(args.type === 'aws:sqs/queue:Queue' ? { url: `https://sqs/${physicalName}` } : {}),
        },
      };
    },
    call(args) {
      if (args.token === 'aws:index/getCallerIdentity:getCallerIdentity') {
        return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/deployer`, userId: 'X' };
      }
      if (args.token === 'aws:index/getPartition:getPartition') {
        return { partition: 'aws', dnsSuffix: 'amazonaws.com', reverseDnsSuffix: 'com.amazonaws' };
      }
      if (args.token === 'aws:index/getRegion:getRegion') return { name: MOCK_REGION, region: MOCK_REGION };
      if (args.token === 'aws:organizations/getOrganization:getOrganization') {
        return {
          id: MOCK_ORGANIZATION,
          masterAccountId: MOCK_ACCOUNT,
          roots: [{ id: MOCK_ROOT, name: 'Root' }],
        };
      }
      return args.inputs;
    },
  };
}

/** Sets the project's Pulumi config as the CLI passes it: text as written, everything else as JSON. */
export function setProjectConfig(project: string, config: Record<string, unknown>): void {
  pulumi.runtime.setAllConfig(
    Object.fromEntries(
      Object.entries(config).map(([key, value]) => [
        `${project}:${key}`,
        typeof value === 'string' ? value : JSON.stringify(value),
      ]),
    ),
  );
}

/**
 * Runs a Pulumi program under `pulumi.runtime.setMocks`, with `config` as the project's settings
 * (`{key: value}`; objects are passed as JSON, as the Pulumi CLI does). Resources get an ARN and the
 * outputs a real provider would compute from the inputs; invokes answer for account and partition.
 */
export async function runProgram(
  project: string,
  program: () => unknown,
  config: Record<string, unknown> = {},
): Promise<ProgramRun> {
  const resources: RegisteredResource[] = [];
  await pulumi.runtime.setMocks(awsMocks(resources), project, 'test', false);
  const retained = recordRetainOnDelete();
  setProjectConfig(project, config);
  const outputs = (await pulumi.runtime.runInPulumiStack(async () => program())) ?? {};
  // Let the stack's own registrations drain, so that the next run's mocks do not receive them.
  await pulumi.runtime.disconnect();
  for (const resource of resources) resource.retainOnDelete = retained.has(resource.name);
  const byType = (type: string) => resources.filter((resource) => resource.type === type);
  return {
    resources: resources.filter((resource) => resource.type !== 'pulumi:pulumi:Stack'),
    outputs,
    all: byType,
    named(name) {
      const found = resources.find((resource) => resource.name === name);
      if (!found) throw new Error(`no resource named ${name}`);
      return found;
    },
    one(type) {
      const found = byType(type);
      if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
      return found[0] as RegisteredResource;
    },
  };
}

/** Names of the resources registered with `retainOnDelete`, which the mocks' arguments do not carry. */
function recordRetainOnDelete(): Set<string> {
  const retained = new Set<string>();
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(
      request: { getName(): string; getRetainondelete(): boolean },
      callback: unknown,
    ): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    if (request.getRetainondelete()) retained.add(request.getName());
    return register(request, callback);
  };
  return retained;
}

/** Parses a policy document the program passed as JSON text. */
export function parsePolicy(text: unknown): { Statement: Array<Record<string, unknown>> } {
  if (typeof text !== 'string') throw new Error(`expected a JSON policy document, got ${typeof text}`);
  return JSON.parse(text);
}
