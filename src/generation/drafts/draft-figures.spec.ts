import { createHash } from 'node:crypto';
import { DraftFiguresCache } from './draft-figures';

const bytes = Buffer.from('# Title\n\nOne two three.\n');
const entry = (sha256: string) => ({ path: 'artifacts/01-title.md', bytes: bytes.length, sha256 });
const sha = createHash('sha256').update(bytes).digest('hex');

describe('DraftFiguresCache', () => {
  it("keeps a draft's figures under its manifest hash only when the bytes match it", () => {
    const cache = new DraftFiguresCache();
    expect(cache.figuresOf(entry('0'.repeat(64)), bytes)).toMatchObject({ title: 'Title', words: 4 });
    expect(cache.get(entry('0'.repeat(64)))).toBeUndefined();
    cache.figuresOf(entry(sha), bytes);
    expect(cache.get(entry(sha))).toMatchObject({ title: 'Title', words: 4, preview: 'One two three.' });
  });

  it('works out the same bytes once (a draft page viewed again reuses them)', () => {
    const cache = new DraftFiguresCache();
    expect(cache.figuresOf(entry(sha), bytes)).toBe(cache.figuresOf(entry(sha), bytes));
    expect(cache.figuresOf(entry(sha), Buffer.from(bytes))).not.toBe(cache.figuresOf(entry(sha), bytes));
  });

  it('has no figures for a draft that could not be read', () => {
    expect(new DraftFiguresCache().figuresOf(entry(sha), null)).toEqual({ title: undefined, words: 0, preview: '' });
  });
});
