import { safeNext } from './next-url';

describe('safeNext', () => {
  it.each(['/', '/jobs', '/result/abc?x=1', '/a/b#frag'])('keeps the local path %s', (next) => {
    expect(safeNext(next)).toBe(next);
  });

  it.each([
    '//evil.example',
    '///evil.example',
    'https://evil.example',
    'javascript:alert(1)',
    '/\\evil.example',
    '\\\\evil.example',
    'evil.example',
    '/ok\nSet-Cookie: x',
    ' /x',
    '',
    undefined,
    42,
  ])('falls back to / for %p', (next) => {
    expect(safeNext(next)).toBe('/');
  });
});
