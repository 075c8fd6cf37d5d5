/**
 * Runs a CrossGuard policy pack the way the Pulumi CLI does, and feeds it resources.
 *
 * - `startPolicyPack(dir)` spawns `node node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine> .` with the pack
 *   directory as its working directory (what `pulumi-analyzer-policy` does), reads the port the pack prints on
 *   stdout, and talks to it over gRPC with the stubs in `@pulumi/pulumi/proto`.
 * - `recordStack(program)` runs a Pulumi program under `pulumi.runtime.setMocks` and returns its resources with
 *   their inputs, outputs, parents and dependencies, ready for `analyze` (inputs, one by one, as at preview)
 *   and `analyzeStack` (outputs, all at once, as after the update).
 *
 * Nothing here knows about keywarden's policies: any pack and any program can be run through it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import type * as AnalyzerGrpc from '@pulumi/pulumi/proto/analyzer_grpc_pb.js';
import type * as analyzerPb from '@pulumi/pulumi/proto/analyzer_pb.js';

// The stubs are CommonJS whose exports Node cannot list for an ESM import, hence require(); so are their gRPC
// and protobuf runtimes: messages must be built with the very classes the stubs check against.
const requireFromProto = createRequire(
  createRequire(import.meta.url).resolve('@pulumi/pulumi/proto/analyzer_pb.js'),
);
const analyzerGrpc = requireFromProto('./analyzer_grpc_pb.js') as typeof AnalyzerGrpc;
const analyzer = requireFromProto('./analyzer_pb.js') as typeof analyzerPb;
const grpc = requireFromProto('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
const { Struct } = requireFromProto('google-protobuf/google/protobuf/struct_pb.js') as {
  Struct: { fromJavaScript(value: Record<string, unknown>): unknown };
};
const { Empty } = requireFromProto('google-protobuf/google/protobuf/empty_pb.js') as {
  Empty: new () => unknown;
};

/** The value Pulumi sends for a property that is not known during preview (a string's sentinel). */
export const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

/** A resource as the analyzer receives it. URNs tie parents and dependencies together. */
export interface StackResource {
  type: string;
  name: string;
  urn: string;
  /** What the program declared: what `analyze` sees during preview. */
  inputs: Record<string, unknown>;
  /** What the resource became: what `analyzeStack` sees. Defaults to the inputs. */
  outputs?: Record<string, unknown>;
  parent?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  provider?: { type: string; name: string; urn: string; props: Record<string, unknown> };
}

export type EnforcementLevel = 'advisory' | 'mandatory' | 'remediate' | 'disabled';

export interface Diagnostic {
  policyName: string;
  message: string;
  enforcementLevel: EnforcementLevel;
  urn: string;
  severity: string;
}

export interface Analysis {
  diagnostics: Diagnostic[];
  notApplicable: { policyName: string; reason: string }[];
}

export interface PolicyInfo {
  name: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  severity: string;
  configSchema?: { properties: Record<string, unknown>; required: string[] };
  framework?: { name: string; version: string; reference: string; specification: string };
}

export interface PackInfo {
  name: string;
  version: string;
  supportsConfig: boolean;
  policies: PolicyInfo[];
}

/** Config as `--policy-pack-config` writes it: per policy, an enforcement level and/or properties. */
export type PackConfig = Record<
  string,
  EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)
>;

export interface RunningPack {
  /** Milliseconds from spawning the process to the port on its stdout. */
  readonly startupMs: number;
  info(): Promise<PackInfo>;
  configure(config: PackConfig): Promise<void>;
  analyze(resource: StackResource): Promise<Analysis>;
  analyzeStack(resources: StackResource[]): Promise<Analysis>;
  /** Everything the pack wrote on stderr so far. */
  stderr(): string;
  close(): Promise<void>;
}

const LEVELS: Record<number, EnforcementLevel> = {
  0: 'advisory',
  1: 'mandatory',
  2: 'disabled',
  3: 'remediate',
};
const LEVEL_CODES = Object.fromEntries(Object.entries(LEVELS).map(([code, level]) => [level, Number(code)]));
const SEVERITIES = ['unspecified', 'low', 'medium', 'high', 'critical'];

type Callback<T> = (err: Error | null, response: T) => void;
type Unary<Req, Res> = (request: Req, callback: Callback<Res>) => void;

/** Starts the pack in `packDir` as the Pulumi CLI would, and waits for the port it prints. */
export async function startPolicyPack(
  packDir: string,
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunningPack> {
  const cwd = resolve(packDir);
  const runner = createRequire(resolve(cwd, 'package.json')).resolve('@pulumi/pulumi/cmd/run-policy-pack');
  const started = performance.now();
  // The engine address is unused by policy packs; the CLI passes its own and the pack directory ('.').
  const child = spawn(process.execPath, [runner, '127.0.0.1:0', '.'], {
    cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const port = await readPort(child, options.timeoutMs ?? 20_000, () => stderr);
  const startupMs = performance.now() - started;
  const client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 400 * 1024 * 1024,
    'grpc.max_send_message_length': 400 * 1024 * 1024,
  }) as unknown as Record<string, Unary<unknown, unknown>> & { close(): void };
  const call = <Res>(method: string, request: unknown) =>
    new Promise<Res>((done, fail) =>
      client[method]!.call(client, request, (err, response) => (err ? fail(err) : done(response as Res))),
    );

  return {
    startupMs,
    async info() {
      const info = await call<analyzerPb.AnalyzerInfo>('getAnalyzerInfo', new Empty());
      return toPackInfo(info);
    },
    async configure(config) {
      // Like the CLI: every policy gets a config, its level defaulting to the policy's own, its properties to the
      // top-level defaults of its schema (the CLI applies no nested defaults: the pack must).
      const { policies } = toPackInfo(await call<analyzerPb.AnalyzerInfo>('getAnalyzerInfo', new Empty()));
      const request = new analyzer.ConfigureAnalyzerRequest();
      const map = request.getPolicyconfigMap();
      for (const policy of policies) {
        const given = config[policy.name];
        const { enforcementLevel, ...properties } =
          typeof given === 'string' ? { enforcementLevel: given } : (given ?? {});
        const policyConfig = new analyzer.PolicyConfig();
        policyConfig.setEnforcementlevel(
          LEVEL_CODES[enforcementLevel ?? policy.enforcementLevel] as analyzerPb.EnforcementLevel,
        );
        policyConfig.setProperties(
          Struct.fromJavaScript({ ...schemaDefaults(policy), ...properties }) as never,
        );
        map.set(policy.name, policyConfig);
      }
      await call('configure', request);
    },
    async analyze(resource) {
      const request = new analyzer.AnalyzeRequest();
      request.setType(resource.type);
      request.setName(resource.name);
      request.setUrn(resource.urn);
      request.setProperties(Struct.fromJavaScript(resource.inputs) as never);
      request.setOptions(resourceOptions(resource));
      if (resource.provider) request.setProvider(providerOf(resource.provider));
      return toAnalysis(await call<analyzerPb.AnalyzeResponse>('analyze', request));
    },
    async analyzeStack(resources) {
      const request = new analyzer.AnalyzeStackRequest();
      request.setResourcesList(resources.map(toAnalyzerResource));
      return toAnalysis(await call<analyzerPb.AnalyzeResponse>('analyzeStack', request));
    },
    stderr: () => stderr,
    async close() {
      client.close();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

function schemaDefaults(policy: PolicyInfo): Record<string, unknown> {
  const properties = (policy.configSchema?.properties ?? {}) as Record<string, { default?: unknown }>;
  return Object.fromEntries(
    Object.entries(properties).flatMap(([name, schema]) =>
      schema.default === undefined ? [] : [[name, schema.default]],
    ),
  );
}

function readPort(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<number> {
  return new Promise((done, fail) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`policy pack printed no port within ${timeoutMs} ms; stderr: ${stderr()}`));
    }, timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = /^(\d+)\s*$/m.exec(stdout);
      if (line) {
        clearTimeout(timer);
        done(Number(line[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`policy pack exited with ${code} before printing its port; stderr: ${stderr()}`));
    });
  });
}

function resourceOptions(resource: StackResource): analyzerPb.AnalyzerResourceOptions {
  const options = new analyzer.AnalyzerResourceOptions();
  if (resource.parent) options.setParent(resource.parent);
  return options;
}

function providerOf(provider: NonNullable<StackResource['provider']>): analyzerPb.AnalyzerProviderResource {
  const message = new analyzer.AnalyzerProviderResource();
  message.setType(provider.type);
  message.setName(provider.name);
  message.setUrn(provider.urn);
  message.setProperties(Struct.fromJavaScript(provider.props) as never);
  return message;
}

function toAnalyzerResource(resource: StackResource): analyzerPb.AnalyzerResource {
  const message = new analyzer.AnalyzerResource();
  message.setType(resource.type);
  message.setName(resource.name);
  message.setUrn(resource.urn);
  message.setProperties(Struct.fromJavaScript(resource.outputs ?? resource.inputs) as never);
  message.setOptions(resourceOptions(resource));
  if (resource.parent) message.setParent(resource.parent);
  message.setDependenciesList(resource.dependencies ?? []);
  const propertyDependencies = message.getPropertydependenciesMap();
  for (const [property, urns] of Object.entries(resource.propertyDependencies ?? {})) {
    const dependencies = new analyzer.AnalyzerPropertyDependencies();
    dependencies.setUrnsList(urns);
    propertyDependencies.set(property, dependencies);
  }
  if (resource.provider) message.setProvider(providerOf(resource.provider));
  return message;
}

function toAnalysis(response: analyzerPb.AnalyzeResponse): Analysis {
  return {
    diagnostics: response.getDiagnosticsList().map((d) => ({
      policyName: d.getPolicyname(),
      message: d.getMessage(),
      enforcementLevel: LEVELS[d.getEnforcementlevel()] ?? 'advisory',
      urn: d.getUrn(),
      severity: SEVERITIES[d.getSeverity()] ?? 'unspecified',
    })),
    notApplicable: response
      .getNotApplicableList()
      .map((n) => ({ policyName: n.getPolicyName(), reason: n.getReason() })),
  };
}

function toPackInfo(info: analyzerPb.AnalyzerInfo): PackInfo {
  return {
    name: info.getName(),
    version: info.getVersion(),
    supportsConfig: info.getSupportsconfig(),
    policies: info.getPoliciesList().map((p) => {
      const schema = p.getConfigschema();
      const framework = p.getFramework();
      return {
        name: p.getName(),
        description: p.getDescription(),
        enforcementLevel: LEVELS[p.getEnforcementlevel()] ?? 'advisory',
        severity: SEVERITIES[p.getSeverity()] ?? 'unspecified',
        ...(schema && {
          configSchema: {
            properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>,
            required: schema.getRequiredList(),
          },
        }),
        ...(framework && {
          framework: {
            name: framework.getName(),
            version: framework.getVersion(),
            reference: framework.getReference(),
            specification: framework.getSpecification(),
          },
        }),
      };
    }),
  };
}

/** Mocks that echo inputs as outputs, with an id and an ARN-shaped `arn` when the resource has none. */
export const echoMocks: pulumi.runtime.Mocks = {
  newResource: (args) => ({
    id: `${args.name}-id`,
    state: { arn: `arn:aws:mock::123456789012:${args.type.split(':').pop()}/${args.name}`, ...args.inputs },
  }),
  call: (args) => args.inputs,
};

type RegisterRequest = {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): {
    forEach(fn: (value: { getUrnsList(): string[] }, key: string) => void): void;
  };
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
};
type RegisterResponse = {
  getUrn(): string;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
};

/**
 * Runs `program` under Pulumi mocks and returns every resource it registered, with inputs, outputs, parent and
 * dependencies. One program per test file: mocks are process-wide, and vitest runs each file in its own process.
 */
export async function recordStack(
  program: () => unknown,
  options: {
    mocks?: pulumi.runtime.Mocks;
    project?: string;
    stack?: string;
    preview?: boolean;
    /** The project's settings (`{key: value}`; objects are passed as JSON, as the Pulumi CLI does). */
    config?: Record<string, unknown>;
  } = {},
): Promise<StackResource[]> {
  const project = options.project ?? 'project';
  await pulumi.runtime.setMocks(
    options.mocks ?? echoMocks,
    project,
    options.stack ?? 'stack',
    options.preview ?? false,
  );
  pulumi.runtime.setAllConfig(
    Object.fromEntries(
      Object.entries(options.config ?? {}).map(([key, value]) => [
        `${project}:${key}`,
        typeof value === 'string' ? value : JSON.stringify(value),
      ]),
    ),
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(request: RegisterRequest, callback: Callback<RegisterResponse>): void;
  };
  const recorded: StackResource[] = [];
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) =>
    register(request, (err, response) => {
      if (!err) recorded.push(recordOf(request, response));
      callback(err, response);
    });
  await program();
  // Registrations run asynchronously; wait until the runtime has no RPC in flight.
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  return recorded;
}

function recordOf(request: RegisterRequest, response: RegisterResponse): StackResource {
  const propertyDependencies: Record<string, string[]> = {};
  request.getPropertydependenciesMap().forEach((value, key) => {
    propertyDependencies[key] = value.getUrnsList();
  });
  const parent = request.getParent();
  return {
    type: request.getType(),
    name: request.getName(),
    urn: response.getUrn(),
    inputs: withoutUndefined(request.getObject()?.toJavaScript() ?? {}),
    outputs: withoutUndefined(response.getObject()?.toJavaScript() ?? {}),
    ...(parent && { parent }),
    dependencies: request.getDependenciesList(),
    propertyDependencies,
  };
}

function withoutUndefined(props: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined));
}
