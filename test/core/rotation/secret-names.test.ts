import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SecretNameError, secretNameFor, secretNameProblem } from '../../../core/rotation/index.js';

const IAM_CHARACTERS = [...'abcXYZ019_+=,.@-'];
const iamUserName = fc
  .array(fc.constantFrom(...IAM_CHARACTERS), { minLength: 1, maxLength: 64 })
  .map((chars) => chars.join(''));
const SECRETS_MANAGER_NAME = /^[\w/+=.@-]{1,512}$/;

describe('secret names', () => {
  it('gives distinct IAM users distinct, legal Secrets Manager names', () => {
    fc.assert(
      fc.property(iamUserName, iamUserName, (one, two) => {
        // Act
        const first = secretNameFor('123456789012', one);
        const second = secretNameFor('123456789012', two);

        // Assess
        expect(SECRETS_MANAGER_NAME.test(first)).toBe(true);
        expect(first === second).toBe(one === two);
      }),
    );
  });

  it('keeps the name of a user without a comma, and writes a comma as a slash', () => {
    expect(secretNameFor('123456789012', 'svc_x')).toBe('keywarden/123456789012/svc_x');
    expect(secretNameFor('123456789012', 'svc,x')).toBe('keywarden/123456789012/svc/x');
  });

  it('refuses a string that is no IAM user name, saying why', () => {
    // Act
    const attempt = () => secretNameFor('123456789012', 'svc/x');

    // Assess
    expect(attempt).toThrow(SecretNameError);
    expect(secretNameProblem('svc/x')).toBe(
      '"svc/x" is not an IAM user name (1-64 characters of letters, digits and + = , . @ _ -), so it has no keywarden secret',
    );
    expect(secretNameProblem('a'.repeat(65))).not.toBeNull();
    expect(secretNameProblem('svc,x')).toBeNull();
  });
});
