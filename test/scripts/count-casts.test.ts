// Casts belong at the boundaries: outside data is parsed once (zod or a typed guard) and caught errors are read
// through core/errors.ts, so the code inside needs few `as`. The limit only goes down; lower it when you remove
// casts, and parse instead of casting when a change would raise it.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: the script is plain JavaScript (no declarations), run by Node as it is.
import { castsIn, countCasts } from '../../scripts/count-casts.mjs';

const CAST_LIMIT = 21;

const count = (text: string): number => castsIn('snippet.ts', text);

describe('scripts/count-casts.mjs', () => {
  it('counts `as T` and `<T>x`, each `as` of `as unknown as T` once', () => {
    // Assess
    expect(count('const a = b as string;')).toBe(1);
    expect(count('const a = <string>b;')).toBe(1);
    expect(count('const a = b as unknown as string;')).toBe(2);
  });

  it('does not count `as const`, a non-null `!`, `satisfies` or an import alias', () => {
    // Assess
    expect(
      count(
        "import { x as y } from './x.js';\nconst a = [1] as const;\nconst b = c!;\nconst d = {} satisfies object;",
      ),
    ).toBe(0);
  });

  it(`finds at most ${CAST_LIMIT} type assertions in product code`, () => {
    // Prepare
    const { total, files } = countCasts() as { total: number; files: Record<string, number> };

    // Assess
    expect(Object.keys(files).every((file) => /^(core|cli|action|policypack|stacks)\//.test(file))).toBe(
      true,
    );
    expect(total, `casts per file: ${JSON.stringify(files, null, 1)}`).toBeLessThanOrEqual(CAST_LIMIT);
  });
});
