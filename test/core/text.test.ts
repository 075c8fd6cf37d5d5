import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shellWord, visible } from '../../core/text.js';

describe('visible', () => {
  it.each([
    ['an escape sequence', 'bob\u001b[2Kalice', 'bob\\x1b[2Kalice'],
    ['a lone carriage return', 'evil\roverwritten', 'evil\\roverwritten'],
    ['a line feed and a tab', 'a\nb\tc', 'a\\nb\\tc'],
    ['DEL and a C1 control (CSI)', 'a\u007fb\u009bc', 'a\\x7fb\\x9bc'],
    ['a right-to-left override', 'txt.\u202eexe', 'txt.\\u202eexe'],
    ['the isolates', '\u2066\u2067\u2068\u2069', '\\u2066\\u2067\\u2068\\u2069'],
    ['the marks LRM, RLM and ALM', '\u200e\u200f\u061c', '\\u200e\\u200f\\u061c'],
    ['the line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
  ])('shows %s escaped', (_case, text, shown) => {
    expect(visible(text)).toBe(shown);
  });

  it('leaves ordinary text of any script and emoji unchanged', () => {
    expect(visible('svc-ünïcødé_日本語@example.com 🔑 مرحبا')).toBe(
      'svc-ünïcødé_日本語@example.com 🔑 مرحبا',
    );
  });

  it('never leaves a control or bidirectional character in its output, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(visible(text)).not.toMatch(
          /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/,
        );
      }),
    );
  });
});

describe('shellWord', () => {
  it('leaves an IAM user name unquoted', () => {
    expect(shellWord('svc+deploy=x,y.z@corp-1_a')).toBe('svc+deploy=x,y.z@corp-1_a');
  });

  it('quotes a name that a shell would expand', () => {
    expect(shellWord("x; rm -rf ~ $(id) 'q'")).toBe(`'x; rm -rf ~ $(id) '\\''q'\\'''`);
  });

  it('writes control characters as ANSI-C escapes', () => {
    expect(shellWord("a\u001b[2K\r'\\")).toBe("$'a\\x1b[2K\\r\\'\\\\'");
  });

  it('is read back by bash as exactly the original text', () => {
    const samples = [
      "x; rm -rf ~ $(id) 'q'",
      'a\u001b[2K\rb',
      'tab\there',
      "back\\slash'quote",
      '日本\u202e語',
    ];
    for (const text of samples) {
      const echoed = execFileSync('bash', ['-c', `printf %s ${shellWord(text)}`], { encoding: 'utf8' });
      expect(echoed).toBe(text);
    }
  });
});
