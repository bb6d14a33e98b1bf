import * as fs from 'node:fs';

export interface FileContentCacheLimits {
  /** Larger files are read every time and never kept. */
  maxEntryBytes: number;
  /** At most this many bytes stay cached; the least recently read go first. */
  maxTotalBytes: number;
}

interface CachedContent {
  /** Identity of the bytes on disk when they were read: a rewrite (temp file + rename) or an edit changes it. */
  signature: string;
  content: Buffer;
}

/**
 * Small files' bytes by absolute path, valid while a synchronous stat of the file gives the same inode,
 * size, mtime and ctime: one stat (a few µs) instead of open + fstat + read + close on the thread pool.
 * Another process's rewrite or removal, or an edit by hand, changes the stat and the file is read again,
 * so every process sees every acknowledged write on its next read. Insertion order is recency order.
 *
 * Each read answers with what its own stat found (or newer), never with an older read that finished
 * later: the entry is keyed by the signature its bytes were read under (see `read`).
 */
export class FileContentCache {
  private readonly entries = new Map<string, CachedContent>();
  private cachedBytes = 0;

  constructor(private readonly limits: FileContentCacheLimits) {}

  /**
   * The file's bytes, or null when it does not exist; an unchanged small file gives the same Buffer as
   * last time (callers must not change it). Stat before reading: if the file is replaced in between, the
   * bytes kept are newer than their signature and the next read simply reads again.
   */
  async read(absolute: string): Promise<Buffer | null> {
    const stat = fs.statSync(absolute, { throwIfNoEntry: false });
    if (!stat) {
      this.forget(absolute);
      return null;
    }
    const signature = `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
    const cached = this.entries.get(absolute);
    if (cached && cached.signature === signature) {
      this.entries.delete(absolute);
      this.entries.set(absolute, cached);
      return cached.content;
    }
    let content: Buffer;
    try {
      content = await fs.promises.readFile(absolute);
    } catch (error) {
      this.forget(absolute);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    this.remember(absolute, signature, content);
    return content;
  }

  /** Drops the file's entry (its owner removed or rewrote it; the stat would tell, this frees the memory). */
  forget(absolute: string): void {
    const cached = this.entries.get(absolute);
    if (!cached) return;
    this.entries.delete(absolute);
    this.cachedBytes -= cached.content.length;
  }

  get size(): number {
    return this.entries.size;
  }

  private remember(absolute: string, signature: string, content: Buffer): void {
    this.forget(absolute);
    if (content.length > this.limits.maxEntryBytes) return;
    this.entries.set(absolute, { signature, content });
    this.cachedBytes += content.length;
    for (const [key, entry] of this.entries) {
      if (this.cachedBytes <= this.limits.maxTotalBytes) break;
      this.entries.delete(key);
      this.cachedBytes -= entry.content.length;
    }
  }
}
