import { UsageError } from './errors.js';

/**
 * Typed reads of keywarden's own environment variables (Powertools' model: a bad value is an error naming
 * the variable and what it allows, never silently ignored). The record is injected: only the edges pass
 * `process.env`.
 */
export type EnvRecord = Readonly<Record<string, string | undefined>>;

/** The KEYWARDEN_* variables and what each allows (docs/operations.md's table says the same). */
export const KEYWARDEN_ENV = {
  KEYWARDEN_AWS_MAX_ATTEMPTS: 'a whole number from 1 to 20 (attempts per AWS call; default 8)',
  KEYWARDEN_DEBUG: '1, true, yes, 0, false or no (print the cause chain and stack of an error)',
} as const;

function present(env: EnvRecord, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function invalid(name: string, value: string, allowed: string): UsageError {
  return new UsageError(`${name}="${value}" is not valid: use ${allowed}`);
}

/** A whole number within [min, max]; `fallback` when unset or empty. */
export function envWholeNumber(
  env: EnvRecord,
  name: string,
  range: { min: number; max: number },
  fallback: number,
): number {
  const value = present(env, name);
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < range.min || number > range.max) {
    throw invalid(name, value, `a whole number from ${range.min} to ${range.max}`);
  }
  return number;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/** A yes/no switch; unset or empty = false. */
export function envFlag(env: EnvRecord, name: string): boolean {
  const value = present(env, name);
  if (value === undefined) return false;
  if (TRUE.has(value.toLowerCase())) return true;
  if (FALSE.has(value.toLowerCase())) return false;
  throw invalid(name, value, '1, true, yes, 0, false or no');
}

/** One of `choices`; `fallback` when unset or empty. */
export function envChoice<T extends string>(
  env: EnvRecord,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const value = present(env, name);
  if (value === undefined) return fallback;
  const choice = choices.find((allowed) => allowed === value);
  if (choice === undefined) throw invalid(name, value, `one of ${choices.join(', ')}`);
  return choice;
}
