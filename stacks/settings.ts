import * as pulumi from '@pulumi/pulumi';
import type { z } from 'zod';
import { formatIssue } from '../core/policy/schema.js';

/**
 * Reads every setting of this Pulumi project's config namespace (`<project>:<key>`) and validates them
 * together with `schema`. Pulumi hands a program each value as text (structured values as JSON), so a
 * setting whose schema wants text is taken as written and every other one is parsed as JSON first.
 * Unknown keys, wrong types and out-of-range values stop the program with one line naming every bad
 * key: a `RunError`, which Pulumi prints without a stack trace, before any resource is registered.
 */
export function readStackSettings<Schema extends z.ZodObject>(
  schema: Schema,
  config: Record<string, string> = pulumi.runtime.allConfig(),
  project: string = pulumi.getProject(),
): z.output<Schema> {
  const prefix = `${project}:`;
  const raw: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(config)) {
    if (!name.startsWith(prefix)) continue;
    const key = name.slice(prefix.length);
    const field = schema.shape[key] as z.ZodType | undefined;
    raw[key] = field && acceptsPlainText(field) ? text : parseJsonOrText(text);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new pulumi.RunError(
      `${project} config: ${result.error.issues.map((issue) => formatIssue(issue)).join('; ')}`,
    );
  }
  return result.data;
}

/** Whether the schema takes a plain string (text, an email, one of an enum's words) once unwrapped. */
function acceptsPlainText(field: z.ZodType): boolean {
  let current = field._zod.def as { type: string; innerType?: z.ZodType };
  while (current.innerType && ['optional', 'default', 'prefault', 'nullable'].includes(current.type)) {
    current = current.innerType._zod.def as typeof current;
  }
  return current.type === 'string' || current.type === 'enum' || current.type === 'literal';
}

function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
