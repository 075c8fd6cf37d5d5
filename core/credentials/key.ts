// An access key as the owner holds it, and the forms in which a person hands one over.
import { fieldOf } from './json.js';

/** An access key pair. */
export interface Key {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * A key as a person has it: the JSON keywarden stores (`{"AccessKeyId","SecretAccessKey"}`), the output of
 * `aws iam create-access-key` (`{"AccessKey": {…}}`), or two lines, the ID then the secret.
 */
export function parseKey(text: string): Key | null {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      const wrapped = fieldOf(parsed, 'AccessKey');
      const source = wrapped ?? parsed;
      const accessKeyId = fieldOf(source, 'AccessKeyId');
      const secretAccessKey = fieldOf(source, 'SecretAccessKey');
      return typeof accessKeyId === 'string' &&
        typeof secretAccessKey === 'string' &&
        accessKeyId &&
        secretAccessKey
        ? { accessKeyId, secretAccessKey }
        : null;
    } catch {
      return null;
    }
  }
  const lines = trimmed.split(/\r?\n/).map((line) => line.trim());
  if (lines.length !== 2 || !lines[0] || !lines[1]) return null;
  return /^[A-Z0-9]{16,128}$/.test(lines[0]) ? { accessKeyId: lines[0], secretAccessKey: lines[1] } : null;
}
