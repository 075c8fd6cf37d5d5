import { visible } from '../text.js';

/**
 * Escapes text for HTML and SVG element content and quoted attribute values: every untrusted string goes
 * through here. Control and bidirectional characters are shown escaped first (`visible`): a browser would
 * otherwise reorder the cell's text around an U+202E or hide a control character.
 */
export function escapeHtml(text: string): string {
  return visible(text).replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] ?? char);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
