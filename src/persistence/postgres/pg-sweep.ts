import type { Database } from './database';

/** Expired rows deleted per statement: a sweep after a flood never locks many rows at once. */
const SWEEP_BATCH = 500;

/**
 * Deletes the rows of `table` whose `expires_at_ms` is at or before `nowMs`, in batches that skip rows
 * another host is sweeping (`FOR UPDATE SKIP LOCKED`), so concurrent sweeps on several hosts share the
 * work instead of waiting on each other. Answers how many rows it deleted. `table` and `key` are
 * constants of the calling repository, never input.
 */
export async function deleteExpiredRows(db: Database, table: string, key: string, nowMs: number): Promise<number> {
  let removed = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `DELETE FROM ${table} WHERE ${key} IN (
         SELECT ${key} FROM ${table} WHERE expires_at_ms <= $1
         LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)`,
      [nowMs],
    );
    removed += rowCount ?? 0;
    if ((rowCount ?? 0) < SWEEP_BATCH) return removed;
  }
}
