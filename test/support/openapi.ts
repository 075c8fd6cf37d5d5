import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * GitHub's published OpenAPI description (the @octokit/openapi devDependency) as a request/response checker.
 * OpenAPI 3.0 is not JSON Schema: `nullable: true` is rewritten to a null alternative before Ajv sees it.
 */

type Json = Record<string, unknown>;
interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required?: boolean;
  schema?: Json;
}
interface Operation {
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> };
  responses: Record<string, Json>;
}

export interface MatchedOperation {
  template: string;
  method: string;
  params: Record<string, string>;
  operation: Operation;
}

const DOCUMENT_ID = 'https://api.github.com/openapi.json';

/** Rewrites OpenAPI 3.0 `nullable` into JSON Schema, and local refs into refs to the document's id. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const source = node as Json;
  const out: Json = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'nullable' || key === 'example' || key === 'examples') continue;
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/'))
      out[key] = `${DOCUMENT_ID}${value}`;
    else out[key] = key === 'properties' ? mapValues(value as Json) : toJsonSchema(value);
  }
  if (source.nullable !== true) return out;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

function mapValues(properties: Json): Json {
  return Object.fromEntries(Object.entries(properties).map(([name, schema]) => [name, toJsonSchema(schema)]));
}

export class OpenApiChecker {
  private readonly ajv: Ajv;
  private readonly document: { paths: Record<string, Record<string, Operation>>; components: Json };
  private readonly routes: { template: string; pattern: RegExp; names: string[]; literals: number }[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    const require = createRequire(import.meta.url);
    this.document = require('@octokit/openapi/generated/api.github.com.json');
    this.ajv = new Ajv({ strict: false, allErrors: false, logger: false });
    addFormats.default(this.ajv);
    this.ajv.addSchema({ $id: DOCUMENT_ID, components: toJsonSchema(this.document.components) });
    this.routes = Object.keys(this.document.paths).map((template) => {
      const names: string[] = [];
      const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_, name) => {
        names.push(name);
        return '([^/]+)';
      });
      return {
        template,
        pattern: new RegExp(`^${pattern}$`),
        names,
        literals: template.split('/').length - names.length,
      };
    });
    // A literal segment beats a parameter (…/issues/comments before …/issues/{issue_number}).
    this.routes.sort((a, b) => b.literals - a.literals);
  }

  /** The operation for a method and a path, or null when GitHub has no such endpoint. */
  match(method: string, pathname: string): MatchedOperation | null {
    for (const route of this.routes) {
      const found = route.pattern.exec(pathname);
      const operation = found && this.document.paths[route.template]?.[method.toLowerCase()];
      if (!found || !operation) continue;
      const params = Object.fromEntries(
        route.names.map((name, i) => [name, decodeURIComponent(found[i + 1] ?? '')]),
      );
      return { template: route.template, method: method.toUpperCase(), params, operation };
    }
    return null;
  }

  /** Problems with a request: unknown or invalid parameters, a body that breaks the schema. */
  checkRequest(matched: MatchedOperation, query: URLSearchParams, body: unknown): string[] {
    const problems: string[] = [];
    const parameters = (matched.operation.parameters ?? []).map((p) => this.resolve<Parameter>(p));
    const known = new Set(parameters.filter((p) => p.in === 'query').map((p) => p.name));
    for (const name of query.keys()) if (!known.has(name)) problems.push(`unknown query parameter ${name}`);
    for (const parameter of parameters) {
      if (parameter.in !== 'query' && parameter.in !== 'path') continue;
      const raw = parameter.in === 'path' ? matched.params[parameter.name] : query.get(parameter.name);
      if (raw === undefined || raw === null) {
        if (parameter.required) problems.push(`missing ${parameter.in} parameter ${parameter.name}`);
        continue;
      }
      const schema = (parameter.schema ?? {}) as Json;
      const value = schema.type === 'integer' || schema.type === 'number' ? Number(raw) : raw;
      problems.push(...this.validate(`${matched.template}#${parameter.name}`, schema, value, parameter.name));
    }
    const requestBody = matched.operation.requestBody;
    const schema = requestBody?.content?.['application/json']?.schema;
    if (body === undefined) {
      if (requestBody?.required) problems.push('missing request body');
    } else if (!schema) {
      problems.push('the operation takes no JSON body');
    } else {
      problems.push(...this.validate(`${matched.method} ${matched.template} request`, schema, body, 'body'));
    }
    return problems;
  }

  /** Problems with a response: a status the operation does not declare, a body that breaks the schema. */
  checkResponse(
    matched: MatchedOperation,
    status: number,
    body: unknown,
    extraStatuses: number[] = [],
  ): string[] {
    const declared = matched.operation.responses[String(status)] ?? matched.operation.responses.default;
    if (!declared) {
      return extraStatuses.includes(status)
        ? []
        : [`status ${status} is not declared for ${matched.method} ${matched.template}`];
    }
    const response = this.resolve<{ content?: Record<string, { schema?: Json }> }>(declared);
    const schema = response.content?.['application/json']?.schema;
    if (!schema)
      return body === undefined || body === '' ? [] : [`status ${status} has no body in the description`];
    return this.validate(
      `${matched.method} ${matched.template} ${status}`,
      schema,
      body,
      `response ${status}`,
    );
  }

  private validate(key: string, schema: Json, value: unknown, what: string): string[] {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema) as Json);
      this.compiled.set(key, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${what}${e.instancePath} ${e.message ?? 'is invalid'}`);
  }

  private resolve<T>(node: T | { $ref: string }): T {
    let current: unknown = node;
    while (current && typeof current === 'object' && '$ref' in current) {
      const path = (current as { $ref: string }).$ref.replace(/^#\//, '').split('/');
      current = path.reduce<unknown>(
        (at, part) => (at as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')],
        this.document,
      );
    }
    return current as T;
  }
}
