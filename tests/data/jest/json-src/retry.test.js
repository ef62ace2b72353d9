// Extra suite for the Jest JSON dialect: a test retried by jest.retryTimes, a todo, a test that throws.
jest.retryTimes(2);

let attempts = 0;

describe('Retry', () => {
  test('passes on the second attempt', () => {
    attempts += 1;
    expect(attempts).toBeGreaterThan(1);
  });
  test('fails every attempt', () => {
    expect('always').toBe('never');
  });
  test.todo('retries with a backoff');
  test('throws a TypeError', () => {
    const order = undefined;
    return order.total;
  });
});
