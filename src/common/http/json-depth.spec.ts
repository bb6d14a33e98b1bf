import { jsonDepthExceeds, MAX_JSON_DEPTH } from './json-depth';

function nested(depth: number): unknown {
  let value: unknown = {};
  for (let i = 1; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

describe('jsonDepthExceeds', () => {
  it('counts levels of arrays and objects; scalars add none', () => {
    expect(jsonDepthExceeds('text', 0)).toBe(false);
    expect(jsonDepthExceeds({}, 1)).toBe(false);
    expect(jsonDepthExceeds({ a: 1, b: 'x', c: null }, 1)).toBe(false);
    expect(jsonDepthExceeds({ a: [] }, 1)).toBe(true);
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
  });

  it('finds a deep branch beside shallow ones', () => {
    expect(jsonDepthExceeds({ shallow: [1, 2], deep: nested(40) }, MAX_JSON_DEPTH)).toBe(true);
  });

  it('measures 100,000 levels without recursion (no stack overflow)', () => {
    expect(jsonDepthExceeds(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), MAX_JSON_DEPTH)).toBe(true);
  });
});
