// Sample suite for the Vitest junit dialect: nested describes, a repeated title, skip, todo, fails and retry.
import { describe, expect, test } from 'vitest';

let attempts = 0;

describe('math', () => {
  describe('add', () => {
    test('adds integers', () => {
      expect(1 + 2).toBe(3);
    });
    test('adds floats exactly', () => {
      expect(0.1 + 0.2).toBe(0.3);
    });
  });
  describe('mul', () => {
    test('adds integers', () => {
      expect(2 * 3).toBe(6);
    });
    test.skip('handles overflow', () => {
      expect(Number.MAX_VALUE * 2).toBe(Number.MAX_VALUE);
    });
    test.todo('handles bigint');
    test.fails('is known to be wrong for NaN', () => {
      expect(NaN).toBe(0);
    });
  });
  test('passes on the second attempt', { retry: 2 }, () => {
    attempts += 1;
    expect(attempts).toBeGreaterThan(1);
  });
});
