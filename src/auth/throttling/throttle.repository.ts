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
 * multiplies the allowance. A counter is live while `expiresAt > now`; an expired one is the same as no
 * counter. Every change names its keys and touches only those, so the cost of a request does not grow
 * with the number of counters stored (a spray of random usernames leaves one counter per username
 * until it expires); expired counters are removed by `sweepExpired` and whenever a change reads them.
 */
export abstract class ThrottleRepository {
  /** The stored counter of this key (a read: no write, no lock); may be one that has expired. */
  abstract get(key: string): Promise<ThrottleCounter | undefined>;
  /** The stored counters of these keys, in order (a read: no write, no lock); may include expired ones. */
  abstract getMany(keys: readonly string[]): Promise<Array<ThrottleCounter | undefined>>;

  /** Atomically updates one counter (`change` returns the new value, or undefined to delete it). */
  update<R>(
    key: string,
    now: number,
    change: (current: ThrottleCounter | undefined) => { next?: ThrottleCounter; result: R },
  ): Promise<R> {
    return this.mutate([key], now, (counters) => {
      const { next, result } = change(counters[key]);
      if (next) counters[key] = next;
      else delete counters[key];
      return result;
    });
  }

  /**
   * Changes the counters of `keys` in one update, atomic across processes (several keys checked and
   * counted together, e.g. a login's username and IP): no other change of any of these keys runs in
   * between, so concurrent changes of one key never lose a count.
   *
   * `change` gets a map holding only the named keys' live counters (`expiresAt > now`; expired or
   * missing ones are absent) as copies. It must be synchronous and edits the map in place: assign a
   * counter to set it, delete the key (or leave it absent) to drop it. Afterwards exactly the named keys
   * are stored as the map holds them (a counter assigned already expired is dropped), and no other key
   * is read or written. Assigning a key that was not named is a programming error: mutate rejects and
   * nothing changes; so does a `change` that throws.
   */
  abstract mutate<R>(
    keys: readonly string[],
    now: number,
    change: (counters: Record<string, ThrottleCounter>) => R,
  ): Promise<R>;

  /** Removes every counter that has expired by `now` (run periodically); returns how many. */
  abstract sweepExpired(now: number): Promise<number>;
}

/** A key's counter as `mutate` hands it to `change`: a copy, or absent if missing or expired by `now`. */
export function liveCounter(counter: ThrottleCounter | undefined, now: number): ThrottleCounter | undefined {
  return counter && counter.expiresAt > now ? structuredClone(counter) : undefined;
}

/**
 * Runs a `mutate` change on the named keys' live counters (shared by the implementations): returns its
 * result and, per named key in order, the counter to store (undefined: drop it). Throws, before anything
 * is written, if `change` throws or assigns a key that was not named.
 */
export function applyChange<R>(
  keys: readonly string[],
  current: ReadonlyArray<ThrottleCounter | undefined>,
  now: number,
  change: (counters: Record<string, ThrottleCounter>) => R,
): { result: R; next: Array<ThrottleCounter | undefined> } {
  const counters: Record<string, ThrottleCounter> = {};
  keys.forEach((key, i) => {
    const counter = liveCounter(current[i], now);
    if (counter) counters[key] = counter;
  });
  const result = change(counters);
  const named = new Set(keys);
  for (const key of Object.keys(counters)) {
    if (!named.has(key)) throw new Error(`ThrottleRepository.mutate: key "${key}" was not named`);
  }
  return { result, next: keys.map((key) => liveCounter(counters[key], now)) };
}
