// Unicode titles and an exception thrown outside an assertion.
import { describe, expect, test } from 'vitest';

describe('Ελληνικά 🚀', () => {
  test('καλημέρα — «ok»', () => {
    expect('καλημέρα'.length).toBe(8);
  });
  test('throws a RangeError', () => {
    new Array(-1);
  });
});
