// Reading JSON another program wrote (the cache file, a key a person pasted, Secrets Manager's answer) without
// casts: each field is looked up and then checked where it is used. No zod here: credential_process runs on
// every SDK refresh, and a cache hit loads no more than it needs.

/** A field of parsed JSON; undefined when the value is not an object or lacks it. */
export function fieldOf(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && name in value ? Reflect.get(value, name) : undefined;
}
