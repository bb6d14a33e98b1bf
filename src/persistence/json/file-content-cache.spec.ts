import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileContentCache } from './file-content-cache';

/**
 * The cache is only a copy (issue 14): whatever another process writes must show on the next read, so
 * that a session or draft written and acknowledged by one worker is what the other worker reads next.
 */
describe('FileContentCache', () => {
  let dir: string;
  let cache: FileContentCache;
  const fileOf = (name: string) => path.join(dir, name);
  /** How every writer of DATA_DIR replaces a file: a new file (new inode) renamed over the old one. */
  const replace = (name: string, text: string) => {
    fs.writeFileSync(`${fileOf(name)}.tmp`, text);
    fs.renameSync(`${fileOf(name)}.tmp`, fileOf(name));
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-file-cache-'));
    cache = new FileContentCache({ maxEntryBytes: 100, maxTotalBytes: 250 });
  });

  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('hands out the same bytes while the file is unchanged, and null for a missing file', async () => {
    replace('a', 'first');
    const first = await cache.read(fileOf('a'));
    expect(first?.toString()).toBe('first');
    expect(await cache.read(fileOf('a'))).toBe(first);
    expect(await cache.read(fileOf('missing'))).toBeNull();
  });

  it('sees a rewrite of the same size and a removal by another process on the next read', async () => {
    replace('a', 'first');
    await cache.read(fileOf('a'));
    replace('a', 'other');
    expect((await cache.read(fileOf('a')))?.toString()).toBe('other');
    fs.unlinkSync(fileOf('a'));
    expect(await cache.read(fileOf('a'))).toBeNull();
    expect(cache.size).toBe(0);
  });

  it('never keeps bytes under a newer signature than theirs: a rewrite during the read is seen next time', async () => {
    replace('a', 'first');
    const realReadFile = fs.promises.readFile.bind(fs.promises);
    // The file is replaced after this read got its bytes but before it finished (another worker's write).
    jest.spyOn(fs.promises, 'readFile').mockImplementationOnce(async (file) => {
      const content = await realReadFile(file);
      replace('a', 'newer');
      return content;
    });
    expect((await cache.read(fileOf('a')))?.toString()).toBe('first');
    expect((await cache.read(fileOf('a')))?.toString()).toBe('newer');
  });

  it('reads large files every time and never keeps them', async () => {
    replace('big', 'x'.repeat(101));
    const first = await cache.read(fileOf('big'));
    expect(first?.length).toBe(101);
    expect(await cache.read(fileOf('big'))).not.toBe(first);
    expect(cache.size).toBe(0);
  });

  it('keeps at most maxTotalBytes, dropping the least recently read first', async () => {
    for (const name of ['a', 'b', 'c']) replace(name, name.repeat(100));
    const a = await cache.read(fileOf('a'));
    const b = await cache.read(fileOf('b'));
    expect(await cache.read(fileOf('a'))).toBe(a); // a is now the most recent
    await cache.read(fileOf('c')); // 300 bytes > 250: b goes
    expect(cache.size).toBe(2);
    expect(await cache.read(fileOf('a'))).toBe(a);
    expect(await cache.read(fileOf('b'))).not.toBe(b);
  });

  it('forget drops an entry: the next read reads the file again', async () => {
    replace('a', 'first');
    const first = await cache.read(fileOf('a'));
    cache.forget(fileOf('a'));
    expect(cache.size).toBe(0);
    expect(await cache.read(fileOf('a'))).not.toBe(first);
  });
});
