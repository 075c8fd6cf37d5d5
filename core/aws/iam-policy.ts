/**
 * IAM policy documents: the one type of a document keywarden writes (the permission catalogue's grants, the
 * stacks' role, key and bucket policies), and reading documents that someone else wrote: the statements, and
 * how IAM matches a pattern (`*` any run, `?` one character, case-insensitive) against an action or a value.
 * Used by the policy pack's role check and by the trail bucket's WORM rule, so that both read a policy the
 * same way.
 */

/** A statement's Condition block: operator → condition key → value(s). */
export type PolicyCondition = Record<string, Record<string, string | string[]>>;

/** A statement keywarden writes. */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal?: Record<string, string | string[]>;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: PolicyCondition;
}

/** An IAM policy document, typed so that programs and tests build and read the same shape. */
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** A statement as found in a document: any of IAM's fields, not yet validated. */
export interface FoundStatement {
  Sid?: unknown;
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: PolicyCondition;
}

/** Statements of a policy document given as JSON text or as an object; undefined when it is neither. */
export function statementsOf(document: unknown): FoundStatement[] | undefined {
  let parsed: unknown = document;
  if (typeof document === 'string') {
    try {
      parsed = JSON.parse(document);
    } catch {
      return undefined;
    }
  }
  if (typeof parsed !== 'object' || parsed === null || !('Statement' in parsed)) return undefined;
  const statement = parsed.Statement;
  if (statement === undefined || statement === null || typeof statement !== 'object') return undefined;
  const found: unknown[] = Array.isArray(statement) ? statement : [statement];
  return found.map(foundStatement);
}

/** A statement's fields as keywarden reads them; a field of another shape is read as IAM's listOf would. */
function foundStatement(statement: unknown): FoundStatement {
  const field = (name: string): unknown =>
    typeof statement === 'object' && statement !== null ? Reflect.get(statement, name) : undefined;
  const effect = field('Effect');
  return {
    Sid: field('Sid'),
    Effect: typeof effect === 'string' ? effect : undefined,
    Principal: field('Principal'),
    Action: oneOrList(field('Action')),
    NotAction: oneOrList(field('NotAction')),
    Resource: oneOrList(field('Resource')),
    NotResource: oneOrList(field('NotResource')),
    Condition: conditionOf(field('Condition')),
  };
}

function oneOrList(value: unknown): string | string[] | undefined {
  if (value === undefined || typeof value === 'string') return value;
  return listOf(value);
}

/** A Condition block: operator → key → value(s); anything else there is read as a block with no keys. */
function conditionOf(value: unknown): PolicyCondition | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(
    Object.entries(value).map(([operator, keys]) => [
      operator,
      typeof keys === 'object' && keys !== null
        ? Object.fromEntries(Object.entries(keys).map(([key, values]) => [key, oneOrList(values) ?? []]))
        : {},
    ]),
  );
}

/** A field that IAM lets be one string or a list, as a list. */
export const listOf = (value: unknown): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];

/** Whether an IAM pattern (`*`, `?`, case-insensitive) matches `value`. */
export function patternMatches(pattern: string, value: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return regex.test(value);
}
