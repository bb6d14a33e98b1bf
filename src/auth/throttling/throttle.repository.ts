/** A fixed-window counter: `count` events since `windowStart`; locked until `lockedUntil`. */
export interface ThrottleCounter {
  count: number;
  windowStart: number;
  lockedUntil?: number;
  /** An attempt was already refused (and audited) under the current lock: later refusals stay silent. */
  lockNoticed?: boolean;
  /** When neither the window nor the lock matters any more: the counter can be dropped. */
  expiresAt: number;
}

/**
 * Throttle counters every worker process shares (the DI token), so running several workers never
 * multiplies the allowance. Changes are atomic across processes; every change also drops the counters
 * that have expired by `now`, so the store never grows with old usernames and IPs.
 */
export abstract class ThrottleRepository {
  abstract get(key: string): Promise<ThrottleCounter | undefined>;
  /** The current counters of these keys (a read: no write, no lock). */
  abstract getMany(keys: readonly string[]): Promise<Array<ThrottleCounter | undefined>>;

  /** Atomically updates one counter (`change` returns the new value, or undefined to delete it). */
  update<R>(
    key: string,
    now: number,
    change: (current: ThrottleCounter | undefined) => { next?: ThrottleCounter; result: R },
  ): Promise<R> {
    return this.mutate(now, (counters) => {
      const { next, result } = change(counters[key]);
      if (next) counters[key] = next;
      else delete counters[key];
      return result;
    });
  }

  /**
   * Changes any number of counters in one atomic update (several keys checked and counted together,
   * e.g. a login's username and IP). `change` must be synchronous and edits the map in place: assign a
   * counter to set it, delete the key to drop it; if it throws, nothing changes.
   */
  abstract mutate<R>(now: number, change: (counters: Record<string, ThrottleCounter>) => R): Promise<R>;
}

/** Drops every counter that has expired by `now` (shared by the implementations). */
export function dropExpired(counters: Record<string, ThrottleCounter>, now: number): void {
  for (const [key, counter] of Object.entries(counters)) {
    if (!(counter.expiresAt > now)) delete counters[key];
  }
}
