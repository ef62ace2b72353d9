// Extra suite for the Mocha JSON dialect: a test retried by this.retries(), passing on its second try.
const assert = require('node:assert');

let attempts = 0;

describe('Retry', function () {
  it('passes on the second attempt', function () {
    this.retries(2);
    attempts += 1;
    assert.ok(attempts > 1, 'first attempt fails on purpose');
  });
});
