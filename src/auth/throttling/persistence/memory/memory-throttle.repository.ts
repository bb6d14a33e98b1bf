import { Injectable } from '@nestjs/common';
import { dropExpired, ThrottleCounter, ThrottleRepository } from '../../throttle.repository';

/** Throttle counters in memory, for service tests; passes the same contract test as the file. */
@Injectable()
export class MemoryThrottleRepository extends ThrottleRepository {
  private counters: Record<string, ThrottleCounter> = {};

  async get(key: string): Promise<ThrottleCounter | undefined> {
    return this.counters[key] && { ...this.counters[key] };
  }

  async getMany(keys: readonly string[]): Promise<Array<ThrottleCounter | undefined>> {
    return keys.map((key) => this.counters[key] && { ...this.counters[key] });
  }

  async mutate<R>(now: number, change: (counters: Record<string, ThrottleCounter>) => R): Promise<R> {
    const draft = structuredClone(this.counters);
    const result = change(draft); // throwing leaves the counters as they were
    dropExpired(draft, now);
    this.counters = draft;
    return result;
  }
}
