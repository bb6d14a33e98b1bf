import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { FileContentCache, FileContentCacheLimits } from './file-content-cache';
import { JsonStore } from './json-store.service';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-files';
import { CorruptDataFileError } from './store-errors';

/**
 * A private folder under DATA_DIR holding one small JSON file per key, named by the key's SHA-256 (a key
 * comes from a visitor — a cookie, a username — and must never become a path, nor be listed back).
 * Writes are atomic (temp file + rename, 0600) without fsync: what lives here (sessions, throttle
 * counters) costs a re-login or a few counts on a power cut, never a whole file. Shared by the
 * sessions and throttle repositories.
 */
export class FilePerKeyFolder {
  readonly dir: string;
  private ready: Promise<void> | undefined;
  private readonly cache: FileContentCache | undefined;

  constructor(store: JsonStore, folder: string, options: { cacheReads?: FileContentCacheLimits } = {}) {
    this.dir = store.resolve(folder);
    this.cache = options.cacheReads && new FileContentCache(options.cacheReads);
  }

  static hashOf(key: string): string {
    return createHash('sha256').update(key).digest('hex');
  }

  fileOfHash(hash: string): string {
    return path.join(this.dir, `${hash}.json`);
  }

  fileOf(key: string): string {
    return this.fileOfHash(FilePerKeyFolder.hashOf(key));
  }

  async write(file: string, value: unknown): Promise<void> {
    await this.ensure();
    await writeFileAtomic(file, JSON.stringify(value), { mode: PRIVATE_FILE_MODE, fsync: false });
    this.cache?.forget(file);
  }

  /** True when this call removed the file. */
  async remove(file: string): Promise<boolean> {
    this.cache?.forget(file);
    return unlinkIfExists(file);
  }

  /** The parsed file, or undefined when it is missing or unreadable (a later write replaces it). */
  async read(file: string): Promise<unknown> {
    let text: string;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return parseOrUndefined(text);
  }

  /**
   * `read` through the folder's cache of file bytes (FileContentCache: one stat when the file did not
   * change), for the hot path of files read far more often than written. Parsed anew on every call, so
   * callers may change what they get. Without `cacheReads` it is `read`.
   */
  async readCached(file: string): Promise<unknown> {
    if (!this.cache) return this.read(file);
    const content = await this.cache.read(file);
    return content ? parseOrUndefined(content.toString('utf8')) : undefined;
  }

  /** Full paths of the key files; temp files of writes in flight (`<hash>.json.<n>`) are left out. */
  async files(): Promise<string[]> {
    try {
      const names = await fs.promises.readdir(this.dir);
      return names.filter((name) => /^[0-9a-f]{64}\.json$/.test(name)).map((name) => path.join(this.dir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  private ensure(): Promise<void> {
    this.ready ??= fs.promises
      .mkdir(this.dir, { recursive: true, mode: PRIVATE_DIR_MODE })
      .then(() => undefined)
      .catch((error: unknown) => {
        this.ready = undefined;
        throw error;
      });
    return this.ready;
  }
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** True when this call removed the file. */
export async function unlinkIfExists(file: string): Promise<boolean> {
  try {
    await fs.promises.unlink(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Splits the single file an older version wrote (`{"<property>": {key: entry}}`) into per-key files:
 * `move(key, entry)` stores one entry (returning whether it did), then the old file is removed. Under a
 * cross-process lock, so workers starting together migrate once. A corrupt file stops start-up naming
 * it and is left untouched. Returns how many entries moved.
 */
export async function migrateLegacyFile<Entry>(
  store: JsonStore,
  options: {
    file: string;
    property: string;
    folder: string;
    logger: Logger;
    /** Checks one entry's shape; a wrong one makes the whole file corrupt. */
    isEntry: (value: unknown) => value is Entry;
    move: (key: string, entry: Entry) => Promise<boolean>;
  },
): Promise<number> {
  const legacy = store.resolve(options.file);
  if (!fs.existsSync(legacy)) return 0;
  return store.mutex(`${options.folder}-migration`).run(async () => {
    let text: string;
    try {
      text = await fs.promises.readFile(legacy, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0; // another worker migrated it
      throw error;
    }
    const entries = parseLegacy(legacy, text, options.property, options.isEntry);
    let moved = 0;
    for (const [key, entry] of Object.entries(entries)) {
      if (await options.move(key, entry)) moved++;
    }
    await unlinkIfExists(legacy);
    options.logger.log(`Moved ${moved} live ${options.property} from ${options.file} to ${options.folder}/`);
    return moved;
  });
}

function parseLegacy<Entry>(
  file: string,
  text: string,
  property: string,
  isEntry: (value: unknown) => value is Entry,
): Record<string, Entry> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CorruptDataFileError(file, (error as Error).message);
  }
  const entries = isObject(parsed) ? parsed[property] : undefined;
  if (!isObject(entries)) throw new CorruptDataFileError(file, `"${property}" is not an object`);
  for (const entry of Object.values(entries)) {
    if (!isEntry(entry)) throw new CorruptDataFileError(file, `an entry of "${property}" has the wrong shape`);
  }
  return entries as Record<string, Entry>;
}
