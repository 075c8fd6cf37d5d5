/**
 * Untrusted text (IAM user names and tags, a crafted credential report, AWS error messages) made visible:
 * every character that could move a terminal's cursor, end a line or reorder what is displayed is shown as
 * an escape instead. C0 controls (tab and line feed included), DEL and C1 controls become `\xNN` (`\r`,
 * `\n`, `\t` for the common three); bidirectional marks, embeddings, overrides and isolates, and the
 * Unicode line and paragraph separators become `\uNNNN`. Everything else, other scripts and emoji
 * included, passes unchanged. The result is plain text: Markdown and HTML escapers run on it afterwards.
 * The JSON report never goes through here; it keeps values exact.
 */
export function visible(text: string): string {
  return text.replace(INVISIBLE, escapeOne);
}

/** C0, DEL, C1; ALM; LRM, RLM; LS, PS; LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI. */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\r': '\\r', '\n': '\\n', '\t': '\\t' };

function escapeOne(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * A word a POSIX shell (bash, zsh) reads back as exactly `text`, for the fix-it commands keywarden prints.
 * IAM names (`[\w+=,.@-]`) pass unchanged; anything else from a crafted report is quoted, and control or
 * bidirectional characters are written as ANSI-C escapes (`$'…\x1b…'`) so that the command line shows them.
 */
export function shellWord(text: string): string {
  if (/^[\w+=,.@/:-]+$/.test(text)) return text;
  if (visible(text) !== text) return `$'${visible(text.replace(/[\\']/g, (char) => `\\${char}`))}'`;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
