// Repeated titles, each its own test for Mocha: one title written twice in a describe, the first failing.
const assert = require('node:assert');

describe('Repeated', function () {
  it('same title', function () {
    assert.strictEqual('first', 'second');
  });
  it('same title', function () {
    assert.strictEqual('second', 'second');
  });
  [1, 2, 3].forEach(function (n) {
    it('loop row', function () {
      assert.ok(n !== 2);
    });
  });
});
