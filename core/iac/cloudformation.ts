/**
 * CloudFormation templates, JSON or YAML (with the short forms of the intrinsic functions, `!Ref`, `!Sub`, …,
 * read as their long forms), and the resources keywarden's rules judge, each with its line.
 */
import * as z from 'zod';
import { UsageError } from '../errors.js';
import { PURPOSE_TAG_KEY, StackPurpose } from '../infra/stack-tags.js';
import { type MaybeKnown, UNKNOWN } from '../infra/unknown.js';
import type { DeclaredTrailBucket, DefaultRetention } from '../infra/worm.js';
import type { IacResource } from './resource.js';

const resourceSchema = z
  .object({
    Type: z.string({ error: 'must have a Type (a string such as AWS::IAM::User)' }),
    Properties: z.record(z.string(), z.unknown()).optional(),
    Metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

/** A template: what makes a JSON or YAML document one is its Resources (the one section CloudFormation requires). */
export const templateSchema = z
  .object({
    AWSTemplateFormatVersion: z.string().optional(),
    Resources: z.record(z.string(), resourceSchema),
  })
  .loose();
export type Template = z.infer<typeof templateSchema>;

/** Whether a parsed document claims to be a template (then it must be a valid one). */
export function looksLikeTemplate(document: unknown): boolean {
  return (
    typeof document === 'object' &&
    document !== null &&
    ('Resources' in document || 'AWSTemplateFormatVersion' in document)
  );
}

export interface ParsedTemplate {
  template: Template;
  /** The line of each logical ID under Resources. */
  lines: Map<string, number>;
}

/**
 * Parses a template's text; `file` names it in messages. JSON is read as JSON, anything else as YAML (the YAML
 * parser is loaded only then: a JSON template or a plan never loads it).
 */
export async function parseTemplateDocument(
  text: string,
  file: string,
): Promise<{ document: unknown; lines: Map<string, number> }> {
  if (/^\s*[{[]/.test(text)) return parseJsonWithLines(text, file);
  return (await import('./yaml.js')).parseYamlTemplate(text, file);
}

function parseJsonWithLines(text: string, file: string) {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not valid JSON: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  return { document, lines: resourceLinesOfJson(text) };
}

/**
 * The line of each key of the top-level "Resources" object of valid JSON text: one pass that tracks nesting
 * and skips strings (JSON.parse keeps no positions). In valid JSON a string followed by ':' is a key, and no
 * string holds a raw newline.
 */
export function resourceLinesOfJson(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let depth = 0;
  let line = 1;
  let inResources = false;
  let lastTopKey: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === NEWLINE) line++;
    else if (char === OPEN_BRACE || char === OPEN_BRACKET) {
      depth++;
      if (depth === 2) inResources = char === OPEN_BRACE && lastTopKey === 'Resources';
    } else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) depth--;
    else if (char === QUOTE && (depth === 1 || (depth === 2 && inResources))) {
      const start = i;
      for (i++; text.charCodeAt(i) !== QUOTE; i++) if (text.charCodeAt(i) === BACKSLASH) i++;
      let next = i + 1;
      while (/\s/.test(text[next] ?? '')) next++;
      if (text[next] !== ':') continue;
      const key: unknown = JSON.parse(text.slice(start, i + 1)); // a JSON string literal: always a string
      if (typeof key !== 'string') continue;
      if (depth === 1) lastTopKey = key;
      else lines.set(key, line);
    } else if (char === QUOTE) {
      for (i++; text.charCodeAt(i) !== QUOTE; i++) if (text.charCodeAt(i) === BACKSLASH) i++;
    }
  }
  return lines;
}

const [NEWLINE, QUOTE, BACKSLASH, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET] = [
  10, 34, 92, 123, 125, 91, 93,
];

/** Parses and checks a template's text: the template and its resources' lines, or one line saying what is wrong. */
export async function parseTemplate(text: string, file: string): Promise<ParsedTemplate> {
  const { document, lines } = await parseTemplateDocument(text, file);
  return { template: validTemplate(document, file), lines };
}

/** The document as a template, or a UsageError naming the first thing that is wrong. */
export function validTemplate(document: unknown, file: string): Template {
  const parsed = templateSchema.safeParse(document);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? issue.path.map(String).join('.') : 'the template';
  throw new UsageError(`${file}: not a valid CloudFormation template: ${where}: ${issue?.message}`);
}

/**
 * A property's value as a string where the template fixes it: a literal, or a `Ref` to an AWS::IAM::User of the
 * same template whose UserName is a literal (Ref returns the user name). Anything else (a parameter, Fn::Sub,
 * an import) is known only at deploy time.
 */
function literalOrUserRef(value: unknown, template: Template): MaybeKnown<string> {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const ref = typeof value === 'object' && value !== null && 'Ref' in value ? value.Ref : undefined;
  const target = typeof ref === 'string' ? template.Resources[ref] : undefined;
  const name = target?.Type === 'AWS::IAM::User' ? target.Properties?.['UserName'] : undefined;
  return typeof name === 'string' ? name : UNKNOWN;
}

const tagListSchema = z.array(z.object({ Key: z.unknown(), Value: z.unknown() }).loose());

/** A `Tags` list as a map; unknown as a whole when it or a key is an intrinsic function. */
function tagsOf(value: unknown, template: Template): MaybeKnown<Record<string, MaybeKnown<string>>> {
  if (value === undefined) return {};
  const list = tagListSchema.safeParse(value);
  if (!list.success) return UNKNOWN;
  const tags: Record<string, MaybeKnown<string>> = {};
  for (const { Key, Value } of list.data) {
    if (typeof Key !== 'string') return UNKNOWN;
    tags[Key] = literalOrUserRef(Value, template);
  }
  return tags;
}

/**
 * A policy document with its intrinsic functions written as the text they stand for, so that IAM patterns can be
 * read: Fn::Sub's template, Fn::Join's joined parts, `${Name}` for a Ref and `${Name.Attribute}` for a GetAtt
 * (`${TrailBucket.Arn}/*` still ends with `/*`). Any other function makes the document known only at deploy time.
 */
export function asPolicyText(value: unknown): MaybeKnown<unknown> {
  if (Array.isArray(value)) {
    const items = value.map(asPolicyText);
    return items.includes(UNKNOWN) ? UNKNOWN : items;
  }
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const [name, argument] = entries[0] ?? [];
  if (entries.length === 1 && name !== undefined && (name === 'Ref' || name.startsWith('Fn::'))) {
    if (name === 'Ref' && typeof argument === 'string') return `\${${argument}}`;
    if (name === 'Fn::GetAtt' && Array.isArray(argument)) return `\${${argument.map(String).join('.')}}`;
    if (name === 'Fn::Sub') {
      const template = Array.isArray(argument) ? argument[0] : argument;
      return typeof template === 'string' ? template : UNKNOWN;
    }
    if (name === 'Fn::Join' && Array.isArray(argument) && Array.isArray(argument[1])) {
      const parts = argument[1].map(asPolicyText);
      return parts.every((part) => typeof part === 'string') ? parts.join(String(argument[0])) : UNKNOWN;
    }
    return UNKNOWN;
  }
  const rendered: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const text = asPolicyText(item);
    if (text === UNKNOWN) return UNKNOWN;
    rendered[key] = text;
  }
  return rendered;
}

const numberOf = (value: unknown) =>
  typeof value === 'number'
    ? value
    : typeof value === 'string' && /^\d+$/.test(value)
      ? Number(value)
      : undefined;

/** What the template declares about a bucket tagged as the trail: its own settings and its BucketPolicy resources. */
function declaredTrailBucket(
  logicalId: string,
  props: Record<string, unknown>,
  template: Template,
): DeclaredTrailBucket {
  const lock = props['ObjectLockConfiguration'];
  const rule = typeof lock === 'object' && lock !== null && 'Rule' in lock ? lock.Rule : undefined;
  const retention =
    typeof rule === 'object' && rule !== null && 'DefaultRetention' in rule
      ? rule.DefaultRetention
      : undefined;
  const retentions: DefaultRetention[] =
    typeof retention === 'object' && retention !== null
      ? [
          {
            mode: 'Mode' in retention && typeof retention.Mode === 'string' ? retention.Mode : undefined,
            days: 'Days' in retention ? numberOf(retention.Days) : undefined,
            years: 'Years' in retention ? numberOf(retention.Years) : undefined,
          },
        ]
      : [];
  const versioning = props['VersioningConfiguration'];
  const bucketName = props['BucketName'];
  const policies = Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::S3::BucketPolicy')
    .filter((policy) => {
      const bucket = policy.Properties?.['Bucket'];
      const ref = typeof bucket === 'object' && bucket !== null && 'Ref' in bucket ? bucket.Ref : undefined;
      return ref === logicalId || (typeof bucketName === 'string' && bucket === bucketName);
    })
    .map((policy) => asPolicyText(policy.Properties?.['PolicyDocument']));
  return {
    objectLockEnabled: props['ObjectLockEnabled'] === true || props['ObjectLockEnabled'] === 'true',
    retentions,
    versioningEnabled:
      typeof versioning === 'object' &&
      versioning !== null &&
      'Status' in versioning &&
      versioning.Status === 'Enabled',
    policies,
  };
}

/** The access keys, users and trail buckets of a template, addressed by `addressOf(logicalId)`. */
export function templateResources(
  { template, lines }: ParsedTemplate,
  file: string,
  addressOf: (logicalId: string) => string,
): IacResource[] {
  return Object.entries(template.Resources).flatMap(([logicalId, resource]): IacResource[] => {
    const address = addressOf(logicalId);
    const located = {
      address,
      type: resource.Type,
      label: `${resource.Type} "${address}"`,
      file,
      line: lines.get(logicalId),
    };
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::AccessKey') {
      return [
        {
          ...located,
          kind: 'access-key',
          user: literalOrUserRef(props['UserName'], template),
          status: props['Status'] === undefined ? undefined : literalOrUserRef(props['Status'], template),
        },
      ];
    }
    if (resource.Type === 'AWS::S3::Bucket') {
      const tags = tagsOf(props['Tags'], template);
      if (tags === UNKNOWN || tags[PURPOSE_TAG_KEY] !== StackPurpose.trailBucket) return [];
      return [
        { ...located, kind: 'trail-bucket', declared: declaredTrailBucket(logicalId, props, template) },
      ];
    }
    if (resource.Type === 'AWS::IAM::User') {
      const name = props['UserName'];
      return [
        {
          ...located,
          kind: 'user',
          name: name === undefined ? undefined : literalOrUserRef(name, template),
          tags: tagsOf(props['Tags'], template),
        },
      ];
    }
    return [];
  });
}
