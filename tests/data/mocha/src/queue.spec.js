// Sample suite for the mocha-junit-reporter dialect: nested describes, a repeated title, skips and a hook failure.
const assert = require('node:assert');

describe('Queue', function () {
  describe('push', function () {
    it('keeps order', function () {
      const q = [];
      q.push(1, 2);
      assert.deepStrictEqual(q, [1, 2]);
    });
    it('rejects undefined', function () {
      assert.strictEqual([undefined].length, 0);
    });
  });
  describe('pop', function () {
    it('keeps order', function () {
      assert.strictEqual([1, 2].pop(), 2);
    });
    it('is pending without a body');
    it.skip('is skipped explicitly', function () {
      assert.fail('never runs');
    });
    it('skips itself at run time', function () {
      this.skip();
    });
  });
  describe('drain', function () {
    beforeEach(function () {
      throw new Error('broker unavailable');
    });
    it('empties the queue', function () {
      assert.ok(true);
    });
  });
});
