// Unicode titles and a thrown error (Jest reports it as a failure, not an error).
describe('Übersetzung 🌍', () => {
  test('grüßt auf Deutsch — «ß»', () => {
    expect('Grüß Gott'.length).toBe(9);
  });
  test('日本語のテスト', () => {
    expect('テスト'.length).toBe(3);
  });
  test('throws outside an assertion', () => {
    const config = undefined;
    return config.locale;
  });
  it.each([
    ['en', 'hello'],
    ['fr', 'bonjour'],
  ])('greets in %s', (lang, word) => {
    expect(word.length).toBeGreaterThan(3);
  });
});

test('top-level test without a describe', () => {
  expect(1 + 1).toBe(2);
});
