import { Injectable } from '@nestjs/common';
import { applyChange, ThrottleCounter, ThrottleRepository } from '../../throttle.repository';

/** Throttle counters in memory, for service tests; passes the same contract test as the files. */
@Injectable()
export class MemoryThrottleRepository extends ThrottleRepository {
  private readonly counters = new Map<string, ThrottleCounter>();

  async get(key: string): Promise<ThrottleCounter | undefined> {
    const counter = this.counters.get(key);
    return counter && { ...counter };
  }

  async getMany(keys: readonly string[]): Promise<Array<ThrottleCounter | undefined>> {
    return keys.map((key) => {
      const counter = this.counters.get(key);
      return counter && { ...counter };
    });
  }

  async mutate<R>(
    keys: readonly string[],
    now: number,
    change: (counters: Record<string, ThrottleCounter>) => R,
  ): Promise<R> {
    const unique = [...new Set(keys)];
    // Synchronous from here on: atomic within the one process that holds these counters.
    const { result, next } = applyChange(
      unique,
      unique.map((key) => this.counters.get(key)),
      now,
      change,
    );
    unique.forEach((key, i) => {
      const counter = next[i];
      if (counter) this.counters.set(key, counter);
      else this.counters.delete(key);
    });
    return result;
  }

  async sweepExpired(now: number): Promise<number> {
    let removed = 0;
    for (const [key, counter] of this.counters) {
      if (!(counter.expiresAt > now)) {
        this.counters.delete(key);
        removed++;
      }
    }
    return removed;
  }
}
