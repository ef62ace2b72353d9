// Repeated titles, each its own test for Vitest: a test.each table without placeholder and one title
// written twice in a describe, the first of each failing.
import { describe, expect, test } from 'vitest';

describe('repeated', () => {
  test.each([
    [1, 2],
    [2, 2],
  ])('each row', (a, b) => {
    expect(a).toBe(b);
  });
  test('same title', () => {
    expect('first').toBe('second');
  });
  test('same title', () => {
    expect('second').toBe('second');
  });
});
