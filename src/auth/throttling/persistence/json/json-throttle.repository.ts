import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import * as path from 'node:path';
import { Clock } from '../../../../common/clock/clock';
import { CrossProcessMutex } from '../../../../persistence/json/cross-process-mutex';
import {
  FilePerKeyFolder,
  isObject,
  migrateLegacyFile,
  unlinkIfExists,
} from '../../../../persistence/json/file-per-key-folder';
import { JsonStore } from '../../../../persistence/json/json-store.service';
import { applyChange, ThrottleCounter, ThrottleRepository } from '../../throttle.repository';

/** The folder of counter files under DATA_DIR, their locks, and the single file older versions wrote. */
export const THROTTLE_DIR = 'throttle';
export const THROTTLE_LOCKS_DIR = 'locks/throttle';
export const LEGACY_THROTTLE_FILE = 'throttle.json';

/** How often expired counter files are removed, and how many the sweep reads at once. */
export const THROTTLE_SWEEP_INTERVAL_MS = 10 * 60 * 1000;
const SWEEP_BATCH = 64;

/** What a counter file holds: the key (the file name is its hash) and the counter. */
interface CounterFile {
  key: string;
  counter: ThrottleCounter;
}

/**
 * One file per key: `throttle/<sha256 of the key>.json` holding `{ key, counter }`, written atomically
 * (temp file + rename, mode 0600, no fsync: counters are cheap to lose on a power cut). A change locks
 * its keys, in sorted order so two changes never wait on each other in a circle: within the process a
 * promise chain per key, across processes a lock folder `locks/throttle/<hash>.lock` (proper-lockfile,
 * as the store's mutex). Two workers counting the same username therefore never lose a count, and a
 * login attempt costs two small reads and at most two small writes however many counters are stored.
 * The per-key chains are dropped once idle, so memory does not grow with the usernames tried.
 *
 * Expired counter files are removed by a periodic sweep (under the key's lock) and by any change that
 * reads them. The file name is a hash so that a key (a username, an address) never becomes a path.
 */
@Injectable()
export class JsonThrottleRepository extends ThrottleRepository implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Throttle');
  private readonly folder: FilePerKeyFolder;
  private readonly locksDir: string;
  /** The tail of each key's in-process queue; removed when the queue drains. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: JsonStore,
    private readonly clock: Clock,
  ) {
    super();
    this.folder = new FilePerKeyFolder(store, THROTTLE_DIR);
    this.locksDir = store.resolve(THROTTLE_LOCKS_DIR);
  }

  /** Start-up: splits a throttle.json of an older version into files; then sweeps periodically. */
  async onModuleInit(): Promise<void> {
    await this.migrateLegacyFile();
    this.sweeper = setInterval(
      () => void this.sweepExpired(this.clock.now().getTime()).catch(() => undefined),
      THROTTLE_SWEEP_INTERVAL_MS,
    );
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  async get(key: string): Promise<ThrottleCounter | undefined> {
    return (await this.read(this.folder.fileOf(key)))?.counter;
  }

  async getMany(keys: readonly string[]): Promise<Array<ThrottleCounter | undefined>> {
    return Promise.all(keys.map((key) => this.get(key)));
  }

  mutate<R>(
    keys: readonly string[],
    now: number,
    change: (counters: Record<string, ThrottleCounter>) => R,
  ): Promise<R> {
    const unique = [...new Set(keys)];
    const hashes = unique.map((key) => FilePerKeyFolder.hashOf(key));
    const files = hashes.map((hash) => this.folder.fileOfHash(hash));
    return this.locked([...hashes].sort(), async () => {
      const stored = await Promise.all(files.map((file) => this.read(file)));
      const { result, next } = applyChange(
        unique,
        stored.map((entry) => entry?.counter),
        now,
        change,
      );
      await Promise.all(
        unique.map(async (key, i) => {
          const counter = next[i];
          if (counter) {
            if (stored[i] && sameCounter(stored[i].counter, counter)) return;
            await this.folder.write(files[i], { key, counter } satisfies CounterFile);
          } else if (stored[i]) {
            await unlinkIfExists(files[i]); // dropped, or expired when read
          }
        }),
      );
      return result;
    });
  }

  async sweepExpired(now: number): Promise<number> {
    const files = await this.folder.files();
    let removed = 0;
    for (let i = 0; i < files.length; i += SWEEP_BATCH) {
      const gone = await Promise.all(
        files.slice(i, i + SWEEP_BATCH).map(async (file) => {
          const seen = await this.read(file);
          if (!seen || seen.counter.expiresAt > now) return false;
          // Under the key's lock, and read again: a change may have just renewed it.
          return this.locked([path.basename(file, '.json')], async () => {
            const entry = await this.read(file);
            return entry !== undefined && !(entry.counter.expiresAt > now) && unlinkIfExists(file);
          });
        }),
      );
      removed += gone.filter(Boolean).length;
    }
    return removed;
  }

  /**
   * Older versions kept every counter in DATA_DIR/throttle.json. Its live counters become files (an
   * existing file wins: it is newer), then it is removed. Under a cross-process lock, so workers
   * starting together migrate once. A corrupt throttle.json stops start-up naming it, untouched.
   */
  migrateLegacyFile(): Promise<number> {
    const now = this.clock.now().getTime();
    return migrateLegacyFile(this.store, {
      file: LEGACY_THROTTLE_FILE,
      property: 'counters',
      folder: THROTTLE_DIR,
      logger: this.logger,
      isEntry: isCounter,
      move: (key, counter) =>
        !(counter.expiresAt > now)
          ? Promise.resolve(false)
          : this.mutate([key], now, (current) => {
              if (current[key]) return false;
              current[key] = counter;
              return true;
            }),
    });
  }

  /** Runs `critical` holding every lock in `hashes` (sorted), taken one after the other. */
  private locked<R>(hashes: readonly string[], critical: () => Promise<R>): Promise<R> {
    if (hashes.length === 0) return critical();
    const [first, ...rest] = hashes;
    return this.lockOne(first, () => this.locked(rest, critical));
  }

  private lockOne<R>(hash: string, critical: () => Promise<R>): Promise<R> {
    const previous = this.queues.get(hash) ?? Promise.resolve();
    const mutex = new CrossProcessMutex(path.join(this.locksDir, `${hash}.lock`));
    const result = previous.then(() => mutex.run(critical));
    const tail = result.catch(() => undefined);
    this.queues.set(hash, tail);
    void tail.then(() => {
      if (this.queues.get(hash) === tail) this.queues.delete(hash);
    });
    return result;
  }

  /** A missing file is no counter; so is an unreadable one (a change overwrites it, the sweep skips it). */
  private async read(file: string): Promise<CounterFile | undefined> {
    const parsed = await this.folder.read(file);
    return isObject(parsed) && typeof parsed.key === 'string' && isCounter(parsed.counter)
      ? { key: parsed.key, counter: parsed.counter }
      : undefined;
  }
}

function sameCounter(a: ThrottleCounter, b: ThrottleCounter): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function isCounter(value: unknown): value is ThrottleCounter {
  return (
    isObject(value) &&
    typeof value.count === 'number' &&
    typeof value.windowStart === 'number' &&
    typeof value.expiresAt === 'number'
  );
}
