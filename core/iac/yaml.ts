/**
 * CloudFormation's YAML: the short forms of the intrinsic functions (`!Ref`, `!Sub`, `!GetAtt`, …), which a plain
 * YAML parser refuses, read as their long forms; and the line of each resource. Its own module so that only a
 * YAML template loads the YAML parser.
 */
import {
  type CollectionTag,
  isMap,
  isScalar,
  LineCounter,
  parseDocument,
  Scalar,
  type ScalarTag,
  YAMLMap,
} from 'yaml';
import { UsageError } from '../errors.js';

/** Each short intrinsic tag and the long form it stands for. */
const SHORT_FORMS: Record<string, string> = {
  Ref: 'Ref',
  Condition: 'Condition',
  Sub: 'Fn::Sub',
  GetAtt: 'Fn::GetAtt',
  If: 'Fn::If',
  Join: 'Fn::Join',
  Select: 'Fn::Select',
  Split: 'Fn::Split',
  FindInMap: 'Fn::FindInMap',
  GetAZs: 'Fn::GetAZs',
  ImportValue: 'Fn::ImportValue',
  Base64: 'Fn::Base64',
  Cidr: 'Fn::Cidr',
  And: 'Fn::And',
  Equals: 'Fn::Equals',
  Not: 'Fn::Not',
  Or: 'Fn::Or',
  Transform: 'Fn::Transform',
  ToJsonString: 'Fn::ToJsonString',
  Length: 'Fn::Length',
};

/** `!GetAtt Name.Attribute` is the list [Name, Attribute] (split at the first dot). */
function longFormOfScalar(name: string, value: string): Record<string, unknown> {
  if (name === 'GetAtt') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [SHORT_FORMS[name] ?? name]: value };
}

/** A collection under a short tag becomes the map { long form: collection }, keeping its nodes (and lines). */
function wrapped(name: string) {
  return (collection: unknown) => {
    const map = new YAMLMap();
    map.set(new Scalar(SHORT_FORMS[name]), collection);
    return map;
  };
}

const INTRINSIC_TAGS: Array<ScalarTag | CollectionTag> = Object.keys(SHORT_FORMS).flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => longFormOfScalar(name, value) } satisfies ScalarTag,
  { tag: `!${name}`, collection: 'seq', resolve: wrapped(name) } satisfies CollectionTag,
  { tag: `!${name}`, collection: 'map', resolve: wrapped(name) } satisfies CollectionTag,
]);

/** A YAML template's document and the line of each logical ID under Resources. */
export function parseYamlTemplate(text: string, file: string) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { customTags: INTRINSIC_TAGS, lineCounter, prettyErrors: false });
  const [error] = doc.errors;
  if (error) {
    const line = lineCounter.linePos(error.pos[0]).line;
    throw new UsageError(`${file}: not valid YAML at line ${line}: ${error.message.split('\n')[0]}`, {
      cause: error,
    });
  }
  const lines = new Map<string, number>();
  const resources = isMap(doc.contents) ? doc.contents.get('Resources', true) : undefined;
  if (isMap(resources)) {
    for (const pair of resources.items) {
      if (isScalar(pair.key) && pair.key.range) {
        lines.set(String(pair.key.value), lineCounter.linePos(pair.key.range[0]).line);
      }
    }
  }
  const document: unknown = doc.toJS({ maxAliasCount: 100 });
  return { document, lines };
}
