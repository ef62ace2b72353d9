// Extra suite for the Jest JSON dialect: a file that fails before any test runs (no test results).
const missing = require('./does-not-exist');

test('never runs', () => {
  expect(missing).toBeDefined();
});
