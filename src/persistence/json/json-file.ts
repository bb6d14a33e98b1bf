import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, privateLockFs } from './private-files';
import { CorruptDataFileError } from './store-errors';

export interface JsonFileOptions<T> {
  /** The shape written when the file does not exist yet (the prototype's empty shapes). */
  empty: () => T;
  /** Throws (with a reason) when parsed data has the wrong shape. */
  validate?: (data: unknown) => asserts data is T;
  /** Pretty-print (human-edited files such as users.json); off for large machine files. */
  pretty?: boolean;
  /** File mode; 0600 by default (DATA_DIR is private, SPEC §7). */
  mode?: number;
  /**
   * fsync before the rename (default true): the write survives a power cut once acknowledged. Files
   * that are cheap to lose on a power cut (sessions, throttle counters) may skip it; the rename keeps
   * them whole either way, and a process crash loses nothing in both cases.
   */
  durable?: boolean;
}

type Mutator<T, R> = (data: T) => R;

interface PendingMutation<T> {
  mutate: Mutator<T, unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Identity of the bytes on disk: an atomic rename always changes the inode. */
interface DiskSignature {
  ino: number;
  size: number;
  mtimeMs: number;
}

const LOCK_OPTIONS: lockfile.LockOptions = {
  realpath: false,
  stale: 5000,
  update: 1000,
  // Long enough to outlast a stale lock left by a killed process (stale + margin).
  retries: { retries: 1000, factor: 1.2, minTimeout: 2, maxTimeout: 25, randomize: true },
  fs: privateLockFs,
};

/**
 * One JSON file under DATA_DIR: an in-memory copy, re-read only when another process changed the
 * file, and mutations that are serialised in-process (a queue) and across processes (a lock file),
 * then written atomically (temp file, fsync, rename). Mutations queued while a write is in flight are
 * applied together under one lock and one write, so storms of small changes stay cheap.
 *
 * Mutators must be synchronous and should validate before they change anything; if one throws, the
 * batch is replayed from the last committed text without it, so a failed mutation changes nothing.
 */
export class JsonFile<T> {
  private data: T | undefined;
  private committedText: string | undefined;
  private signature: DiskSignature | undefined;
  private pending: PendingMutation<T>[] = [];
  private draining: Promise<void> | undefined;
  /** Set while a batch's in-place changes are not yet on disk: readers wait, so they never see them early. */
  private committing: { done: Promise<void>; finish: () => void } | undefined;
  /** Bumped whenever in-memory data changes (callers key derived indexes on it). */
  private version = 0;
  /**
   * Orders what may enter the cache: every reload and every own write takes the next ticket when it
   * starts looking at the disk, and the cache only ever accepts a higher ticket than the one it holds.
   * A reload that started earlier may finish later (thread-pool reads complete in any order under
   * load); its older text must neither replace newer data nor be handed to a later reader.
   */
  private tickets = 0;
  private installedTicket = 0;

  constructor(
    readonly filePath: string,
    private readonly options: JsonFileOptions<T>,
  ) {}

  /** Changes whenever the in-memory data may have changed: lets callers cache derived indexes. */
  get revision(): number {
    return this.version;
  }

  /** Loads (or creates) the file; throws CorruptDataFileError without touching a bad file. */
  async load(): Promise<T> {
    return this.read();
  }

  /** Current contents, re-read from disk only if another process replaced the file. */
  async read(): Promise<T> {
    await this.committing?.done;
    return this.readWith(this.statOnDisk());
  }

  /**
   * Like read(), but a missing file reads as undefined instead of being created (files that exist
   * only once something wrote them, such as a job's manifest). Callers get the shared cached copy.
   */
  async readIfExists(): Promise<T | undefined> {
    await this.committing?.done;
    const onDisk = this.statOnDisk();
    return onDisk ? this.readWith(onDisk) : undefined;
  }

  /**
   * `onDisk` was taken after this read began. The answer is the cache when it is that version, else
   * what this read's own reload found: never a reload that another, earlier read started (issue 20:
   * that one may have read the file before a write another process had already acknowledged).
   */
  private async readWith(onDisk: DiskSignature | undefined): Promise<T> {
    if (this.data !== undefined && onDisk && sameSignature(onDisk, this.signature)) return this.data;
    if (!onDisk) {
      if (this.data !== undefined && this.signature === undefined) return this.data;
      // Missing file: create it with the empty shape (under the lock, another process may race us).
      await this.update(() => undefined);
      return this.data as T;
    }
    return this.reloadFromDisk();
  }

  /** Applies `mutate` to the latest data and persists it; resolves with its return value once durable. */
  update<R>(mutate: Mutator<T, R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ mutate, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) this.draining = this.drain();
    });
  }

  /** A write is queued or in flight. */
  get busy(): boolean {
    return this.draining !== undefined || this.pending.length > 0;
  }

  /** Resolves when every mutation queued so far has been written (graceful shutdown). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        await this.applyBatch(batch);
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async applyBatch(batch: PendingMutation<T>[]): Promise<void> {
    let release: (() => Promise<void>) | undefined;
    try {
      await fs.promises.mkdir(path.dirname(this.filePath), { recursive: true, mode: PRIVATE_DIR_MODE });
      release = await lockfile.lock(this.filePath, {
        ...LOCK_OPTIONS,
        lockfilePath: `${this.filePath}.lock`,
        onCompromised: () => undefined, // a lost lock is re-detected by the signature check on next write
      });
      await this.refreshUnderLock();
      let finish!: () => void;
      this.committing = { done: new Promise<void>((resolve) => (finish = resolve)), finish };
      this.version++;
      const { survivors, results } = this.applyMutations(batch);
      const committed = this.data as T;
      const text = this.serialise(committed);
      if (text !== this.committedText || this.signature === undefined) {
        const previousMtimeMs = this.signature?.mtimeMs ?? 0;
        await writeFileAtomic(this.filePath, text, {
          fsync: this.options.durable !== false,
          mode: this.options.mode ?? PRIVATE_FILE_MODE,
        });
        await this.stampUniqueMtime(previousMtimeMs);
        const signature = this.statOnDisk();
        // A read may have reloaded the older file meanwhile: what we just wrote is the truth.
        this.data = committed;
        this.committedText = text;
        this.signature = signature;
        this.installedTicket = ++this.tickets;
        this.version++;
      }
      survivors.forEach((m, i) => m.resolve(results[i]));
    } catch (error) {
      // Nothing of this batch is durable: drop the uncommitted in-memory changes too.
      this.version++;
      this.data = this.committedText === undefined ? undefined : (JSON.parse(this.committedText) as T);
      batch.forEach((m) => m.reject(error));
    } finally {
      this.committing?.finish();
      this.committing = undefined;
      if (release) await release().catch(() => undefined);
    }
  }

  /**
   * Gives each version of the file an mtime no other version has. Kernel timestamps are coarse (one
   * clock tick) and a rename-based write often reuses the inode number the previous version just freed,
   * so two versions written within a tick could look identical to a reader in another process (same
   * inode, size and mtime) and it would keep serving the older one. Still under the lock.
   */
  private async stampUniqueMtime(previousMtimeMs: number): Promise<void> {
    const ms = Math.max(Date.now(), Math.floor(previousMtimeMs) + 1) + 0.5 + Math.random() * 0.4;
    await fs.promises.utimes(this.filePath, ms / 1000, ms / 1000);
  }

  /** Runs each mutation; replays without the ones that threw so their partial changes vanish. */
  private applyMutations(batch: PendingMutation<T>[]): { survivors: PendingMutation<T>[]; results: unknown[] } {
    let survivors = batch;
    for (;;) {
      const results: unknown[] = [];
      const failed: PendingMutation<T>[] = [];
      for (const m of survivors) {
        try {
          results.push(m.mutate(this.data as T));
        } catch (error) {
          failed.push(m);
          m.reject(error);
        }
      }
      if (failed.length === 0) return { survivors, results };
      survivors = survivors.filter((m) => !failed.includes(m));
      this.data = this.parseCommittedOrEmpty();
    }
  }

  private parseCommittedOrEmpty(): T {
    return this.committedText === undefined ? this.options.empty() : (JSON.parse(this.committedText) as T);
  }

  /** Under the lock: pick up what another process wrote since we last looked. */
  private async refreshUnderLock(): Promise<void> {
    const onDisk = this.statOnDisk();
    if (!onDisk) {
      if (this.data === undefined) this.data = this.options.empty();
      this.signature = undefined;
      return;
    }
    if (this.data === undefined || !sameSignature(onDisk, this.signature)) await this.reloadFromDisk(true);
  }

  /**
   * Reads and parses the file; returns what it read, and caches it unless something newer (a reload
   * that started later, or this process's own write) got into the cache first. `underLock`: nobody
   * else can write now, so this read is the newest there is.
   */
  private async reloadFromDisk(underLock = false): Promise<T> {
    const ticket = ++this.tickets;
    // Stat before reading: if the file changes in between, the next read sees a newer signature.
    const before = this.statOnDisk();
    const text = await fs.promises.readFile(this.filePath, 'utf8');
    const parsed = this.parse(text);
    if (underLock || ticket > this.installedTicket) {
      this.installedTicket = ticket;
      this.version++;
      this.data = parsed;
      this.committedText = text;
      this.signature = before;
    }
    return parsed;
  }

  private parse(text: string): T {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new CorruptDataFileError(this.filePath, (error as Error).message);
    }
    try {
      this.options.validate?.(parsed);
    } catch (error) {
      throw new CorruptDataFileError(this.filePath, (error as Error).message);
    }
    return parsed as T;
  }

  private serialise(data: T): string {
    return this.options.pretty ? `${JSON.stringify(data, null, 2)}\n` : JSON.stringify(data);
  }

  /**
   * Synchronous on purpose: every read of every request stats its file, and a stat of a local file
   * costs about a microsecond, while fs.promises.stat costs a thread-pool round trip (~15 µs of CPU)
   * and waits behind bcrypt whenever logins fill libuv's pool (bench/README.md, "store reads").
   */
  private statOnDisk(): DiskSignature | undefined {
    const s = fs.statSync(this.filePath, { throwIfNoEntry: false });
    return s && { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
  }
}

function sameSignature(a: DiskSignature, b: DiskSignature | undefined): boolean {
  return !!b && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
