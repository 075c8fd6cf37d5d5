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
  const statement = (parsed as { Statement?: unknown } | null)?.Statement;
  if (statement === undefined || statement === null || typeof statement !== 'object') return undefined;
  return (Array.isArray(statement) ? statement : [statement]) as FoundStatement[];
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
