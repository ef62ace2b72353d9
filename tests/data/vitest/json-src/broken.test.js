// Extra suite for the Vitest JSON dialect: a file that fails before any test runs (no test results).
import { missing } from './does-not-exist.js';
import { expect, test } from 'vitest';

test('never runs', () => {
  expect(missing).toBeDefined();
});
