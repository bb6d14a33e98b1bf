import { Injectable } from '@nestjs/common';
import { JsonFile } from '../../persistence/json/json-file';
import { JsonStore } from '../../persistence/json/json-store.service';
import { assertObjectWithMap } from '../../persistence/json/shapes';

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

interface ThrottleFile {
  counters: Record<string, ThrottleCounter>;
}

/**
 * DATA_DIR/throttle.json: counters every worker process shares (through the store's lock), so
 * running several workers never multiplies the allowance.
 */
@Injectable()
export class ThrottleRepository {
  private readonly file: JsonFile<ThrottleFile>;

  constructor(store: JsonStore) {
    this.file = store.file<ThrottleFile>('throttle.json', {
      empty: () => ({ counters: {} }),
      validate: assertObjectWithMap('counters'),
      durable: false, // counters are cheap to lose on a power cut; a process crash loses nothing
    });
  }

  async get(key: string): Promise<ThrottleCounter | undefined> {
    return (await this.file.read()).counters[key];
  }

  /** The current counters of these keys (a cached read: no write, no lock). */
  async getMany(keys: readonly string[]): Promise<Array<ThrottleCounter | undefined>> {
    const { counters } = await this.file.read();
    return keys.map((key) => counters[key]);
  }

  /**
   * Atomically updates one counter (`change` returns the new value, or undefined to delete it) and
   * drops every counter that has expired by `now`, so the file never grows with old usernames and IPs.
   */
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
   * e.g. a login's username and IP), then drops every counter that has expired by `now`.
   * `change` edits the map in place: assign a counter to set it, delete the key to drop it.
   */
  mutate<R>(now: number, change: (counters: Record<string, ThrottleCounter>) => R): Promise<R> {
    return this.file.update((data) => {
      const result = change(data.counters);
      for (const [key, counter] of Object.entries(data.counters)) {
        if (!(counter.expiresAt > now)) delete data.counters[key];
      }
      return result;
    });
  }
}
