// Unicode titles and an exception thrown outside an assertion.
const assert = require('node:assert');

describe('Ünïcödé ✓', function () {
  it('naïve café — «ok»', function () {
    assert.strictEqual('café'.normalize('NFC').length, 4);
  });
  it('数据 throws a TypeError', function () {
    const settings = null;
    return settings.timeout;
  });
});
