import { Injectable } from '@nestjs/common';
import { Database } from '../../../../persistence/postgres/database';
import { ThrottleCounter, ThrottleRepository } from '../../throttle.repository';

interface CounterRow {
  key: string;
  count: number;
  window_start_ms: string;
  locked_until_ms: string | null;
  lock_noticed: boolean | null;
  expires_at_ms: string;
}

const COLUMNS = 'key, count, window_start_ms, locked_until_ms, lock_noticed, expires_at_ms';
/** Expired counters deleted per change at most: the sweep stays cheap even after a flood of keys. */
const SWEEP_BATCH = 500;
/** Rounds of key discovery before giving up (a change naming ever new keys is a bug). */
const MAX_ROUNDS = 8;

/**
 * Throttle counters in `throttle_counters`, one row per key. A change runs in one transaction that
 * holds a transaction-level advisory lock per key it touches (`throttle:<key>`, taken in sorted order;
 * it covers keys that have no row yet, which a row lock cannot), reads those rows only, runs the
 * change, writes back what it changed, then deletes a batch of expired counters (FOR UPDATE SKIP
 * LOCKED, so it never waits for another change).
 *
 * `mutate` hands the change a map, as the files do; here the map holds only the counters the change
 * asks for. The keys are found by running the change against the map as it stands (first empty) and
 * watching which keys it reads or writes: any key not loaded yet is locked and loaded, and the change
 * runs again, until a run touched only loaded keys. That run's result and writes count. So a change
 * must be a pure function of the map (the rate limiter's are) and must name its keys: enumerating the
 * map (Object.keys, for...in) throws.
 */
@Injectable()
export class PgThrottleRepository extends ThrottleRepository {
  constructor(private readonly db: Database) {
    super();
  }

  async get(key: string): Promise<ThrottleCounter | undefined> {
    return (await this.getMany([key]))[0];
  }

  async getMany(keys: readonly string[]): Promise<Array<ThrottleCounter | undefined>> {
    if (keys.length === 0) return [];
    const { rows } = await this.db.query<CounterRow>(
      `SELECT ${COLUMNS} FROM throttle_counters WHERE key = ANY($1::text[])`,
      [keys.map(storedKey)],
    );
    const byKey = new Map(rows.map((row) => [row.key, toCounter(row)]));
    return keys.map((key) => byKey.get(storedKey(key)));
  }

  /** One key: no discovery needed. */
  override update<R>(
    key: string,
    now: number,
    change: (current: ThrottleCounter | undefined) => { next?: ThrottleCounter; result: R },
  ): Promise<R> {
    return this.db.transaction(async () => {
      const loaded = await this.lockAndLoad([key]);
      const { next, result } = change(loaded.get(key) && { ...loaded.get(key)! });
      await this.write(key, loaded.get(key), next, now);
      await this.sweep(now);
      return result;
    });
  }

  mutate<R>(now: number, change: (counters: Record<string, ThrottleCounter>) => R): Promise<R> {
    return this.db.transaction(async () => {
      const loaded = new Map<string, ThrottleCounter>();
      const locked = new Set<string>();
      for (let round = 1; ; round++) {
        const draft: Record<string, ThrottleCounter> = {};
        for (const [key, counter] of loaded) draft[key] = { ...counter };
        const run = runWatched(draft, change);
        const missing = [...run.touched].filter((key) => !locked.has(key));
        if (missing.length === 0) {
          if (run.failed) throw run.error;
          for (const key of run.touched) await this.write(key, loaded.get(key), draft[key], now);
          await this.sweep(now);
          return run.result as R;
        }
        if (round >= MAX_ROUNDS) throw new Error('ThrottleRepository.mutate: the change keeps naming new keys');
        for (const [key, counter] of await this.lockAndLoad(missing)) loaded.set(key, counter);
        for (const key of missing) locked.add(key);
      }
    });
  }

  /** Locks `keys` (sorted: two changes never wait for each other in a cycle) and reads their rows. */
  private async lockAndLoad(keys: readonly string[]): Promise<Map<string, ThrottleCounter>> {
    for (const key of [...new Set(keys)].sort()) await this.db.advisoryXactLock(`throttle:${storedKey(key)}`);
    const { rows } = await this.db.query<CounterRow>(
      `SELECT ${COLUMNS} FROM throttle_counters WHERE key = ANY($1::text[])`,
      [keys.map(storedKey)],
    );
    const byStored = new Map(rows.map((row) => [row.key, toCounter(row)]));
    const result = new Map<string, ThrottleCounter>();
    for (const key of keys) {
      const counter = byStored.get(storedKey(key));
      if (counter) result.set(key, counter);
    }
    return result;
  }

  /** Writes one key's new value (or deletes it); a counter already expired at `now` is dropped. */
  private async write(
    key: string,
    before: ThrottleCounter | undefined,
    after: ThrottleCounter | undefined,
    now: number,
  ): Promise<void> {
    const keep = after !== undefined && after.expiresAt > now;
    if (!keep) {
      if (before) await this.db.query('DELETE FROM throttle_counters WHERE key = $1', [storedKey(key)]);
      return;
    }
    if (before && sameCounter(before, after)) return;
    await this.db.query(
      `INSERT INTO throttle_counters (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (key) DO UPDATE SET
         count = EXCLUDED.count, window_start_ms = EXCLUDED.window_start_ms,
         locked_until_ms = EXCLUDED.locked_until_ms, lock_noticed = EXCLUDED.lock_noticed,
         expires_at_ms = EXCLUDED.expires_at_ms`,
      [
        storedKey(key),
        after.count,
        after.windowStart,
        after.lockedUntil ?? null,
        after.lockNoticed ?? null,
        after.expiresAt,
      ],
    );
  }

  /** Drops counters expired by `now` that no other change holds (the files drop them all, every change). */
  private async sweep(now: number): Promise<void> {
    await this.db.query(
      `DELETE FROM throttle_counters WHERE key IN (
         SELECT key FROM throttle_counters WHERE expires_at_ms <= $1
         ORDER BY expires_at_ms LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)`,
      [now],
    );
  }
}

interface WatchedRun {
  touched: Set<string>;
  failed: boolean;
  error?: unknown;
  result?: unknown;
}

/** Runs `change` on a proxy of `draft` that records every key read or written. */
function runWatched<R>(
  draft: Record<string, ThrottleCounter>,
  change: (counters: Record<string, ThrottleCounter>) => R,
): WatchedRun {
  const touched = new Set<string>();
  const note = (key: string | symbol) => {
    if (typeof key === 'string') touched.add(key);
  };
  const proxy = new Proxy(draft, {
    get: (target, key, receiver) => {
      if (typeof key === 'string' && !Object.prototype.hasOwnProperty.call(Object.prototype, key)) note(key);
      return Reflect.get(target, key, receiver) as unknown;
    },
    has: (target, key) => (note(key), Reflect.has(target, key)),
    set: (target, key, value, receiver) => (note(key), Reflect.set(target, key, value, receiver)),
    deleteProperty: (target, key) => (note(key), Reflect.deleteProperty(target, key)),
    defineProperty: (target, key, attributes) => (note(key), Reflect.defineProperty(target, key, attributes)),
    getOwnPropertyDescriptor: (target, key) => (note(key), Reflect.getOwnPropertyDescriptor(target, key)),
    ownKeys: () => {
      throw new Error('ThrottleRepository (PostgreSQL): a mutate change must name its keys, not enumerate them');
    },
  });
  try {
    return { touched, failed: false, result: change(proxy) };
  } catch (error) {
    return { touched, failed: true, error };
  }
}

function toCounter(row: CounterRow): ThrottleCounter {
  const counter: ThrottleCounter = {
    count: row.count,
    windowStart: Number(row.window_start_ms),
    expiresAt: Number(row.expires_at_ms),
  };
  if (row.locked_until_ms !== null) counter.lockedUntil = Number(row.locked_until_ms);
  if (row.lock_noticed !== null) counter.lockNoticed = row.lock_noticed;
  return counter;
}

function sameCounter(a: ThrottleCounter, b: ThrottleCounter): boolean {
  return (
    a.count === b.count &&
    a.windowStart === b.windowStart &&
    a.expiresAt === b.expiresAt &&
    a.lockedUntil === b.lockedUntil &&
    a.lockNoticed === b.lockNoticed
  );
}

/**
 * Keys hold what a visitor typed (a username, an IP header); PostgreSQL text cannot hold U+0000, so
 * it is written as a backslash and `0`; backslashes are doubled, so no two keys collide.
 */
function storedKey(key: string): string {
  return key.includes('\u0000') || key.includes('\\') ? key.replaceAll('\\', '\\\\').replaceAll('\u0000', '\\0') : key;
}
