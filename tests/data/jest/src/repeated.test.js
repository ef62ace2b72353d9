// Repeated titles, each its own test for Jest: a jest-each table whose title has no placeholder, and one
// title written twice in a describe, the first of each failing. jest-junit writes one <testcase> per test.
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
