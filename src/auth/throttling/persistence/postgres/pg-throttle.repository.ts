import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Clock } from '../../../../common/clock/clock';
import { Database } from '../../../../persistence/postgres/database';
import { deleteExpiredRows } from '../../../../persistence/postgres/pg-sweep';
import { applyChange, ThrottleCounter, ThrottleRepository } from '../../throttle.repository';
import { THROTTLE_SWEEP_INTERVAL_MS } from '../json/json-throttle.repository';

interface CounterRow {
  key: string;
  count: number;
  window_start_ms: string;
  locked_until_ms: string | null;
  lock_noticed: boolean | null;
  expires_at_ms: string;
}

const COLUMNS = 'key, count, window_start_ms, locked_until_ms, lock_noticed, expires_at_ms';

/**
 * Throttle counters in `throttle_counters`, one row per key. A change runs in one transaction that
 * holds a transaction-level advisory lock per named key (`throttle:<key>`, taken in sorted order; it
 * covers keys that have no row yet, which a row lock cannot), reads those rows only, runs the change and
 * writes back the named keys: nothing else, so its cost does not depend on how many counters exist.
 * Expired counters are deleted by a periodic sweep in batches (FOR UPDATE SKIP LOCKED: it never waits
 * for a change).
 */
@Injectable()
export class PgThrottleRepository extends ThrottleRepository implements OnModuleInit, OnModuleDestroy {
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {
    super();
  }

  onModuleInit(): void {
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

  mutate<R>(
    keys: readonly string[],
    now: number,
    change: (counters: Record<string, ThrottleCounter>) => R,
  ): Promise<R> {
    return this.db.transaction(async () => {
      const loaded = await this.lockAndLoad(keys);
      const { result, next } = applyChange(
        keys,
        keys.map((key) => loaded.get(key)),
        now,
        change,
      );
      for (const [i, key] of keys.entries()) await this.write(key, loaded.get(key), next[i], now);
      return result;
    });
  }

  async sweepExpired(now: number): Promise<number> {
    return deleteExpiredRows(this.db, 'throttle_counters', 'key', now);
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
