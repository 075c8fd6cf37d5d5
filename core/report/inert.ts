import { escapeMarkdown } from './markdown.js';

/**
 * Text from outside (IAM tags, user names) made inert for Markdown that GitHub renders: no markup, no
 * HTML, no @-mentions that would notify someone, no #-references, no autolinked URLs.
 */
export function inertMarkdown(text: string): string {
  return escapeMarkdown(text)
    .replace(/\\</g, '&lt;')
    .replace(/\\>/g, '&gt;')
    .replace(/@/g, '&#64;')
    .replace(/:\/\//g, '&#58;//')
    .replace(/\bwww\./gi, (match) => `${match.slice(0, 3)}&#46;`);
}
