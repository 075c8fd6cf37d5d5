import { describe, expect, it } from 'vitest';
import { firstKeyWinner } from '../../../core/rotation/first-key.js';

const at = (iso: string) => new Date(iso);

describe('firstKeyWinner', () => {
  it('keeps the key with the earliest CreateDate', () => {
    expect(
      firstKeyWinner([
        { id: 'AKIAA', createdAt: at('2026-06-01T12:00:01Z') },
        { id: 'AKIAZ', createdAt: at('2026-06-01T12:00:00Z') },
      ]),
    ).toBe('AKIAZ');
  });

  it('breaks a same-second tie by the smaller AccessKeyId, whatever the order listed', () => {
    const one = { id: 'AKIAB', createdAt: at('2026-06-01T12:00:00Z') };
    const two = { id: 'AKIAA', createdAt: at('2026-06-01T12:00:00Z') };
    expect(firstKeyWinner([one, two])).toBe('AKIAA');
    expect(firstKeyWinner([two, one])).toBe('AKIAA');
  });

  it('has no winner among no keys', () => {
    expect(firstKeyWinner([])).toBeNull();
  });
});
