import { Injectable } from '@nestjs/common';
import { JsonFile } from '../../../../persistence/json/json-file';
import { JsonStore } from '../../../../persistence/json/json-store.service';
import { assertObjectWithMap } from '../../../../persistence/json/shapes';
import { dropExpired, ThrottleCounter, ThrottleRepository } from '../../throttle.repository';

interface ThrottleFile {
  counters: Record<string, ThrottleCounter>;
}

export const THROTTLE_FILE = 'throttle.json';

/** DATA_DIR/throttle.json, changed under the store's cross-process lock. */
@Injectable()
export class JsonThrottleRepository extends ThrottleRepository {
  private readonly file: JsonFile<ThrottleFile>;

  constructor(store: JsonStore) {
    super();
    this.file = store.file<ThrottleFile>(THROTTLE_FILE, {
      empty: () => ({ counters: {} }),
      validate: assertObjectWithMap('counters'),
      durable: false, // counters are cheap to lose on a power cut; a process crash loses nothing
    });
  }

  async get(key: string): Promise<ThrottleCounter | undefined> {
    return (await this.file.read()).counters[key];
  }

  async getMany(keys: readonly string[]): Promise<Array<ThrottleCounter | undefined>> {
    const { counters } = await this.file.read();
    return keys.map((key) => counters[key]);
  }

  mutate<R>(now: number, change: (counters: Record<string, ThrottleCounter>) => R): Promise<R> {
    return this.file.update((data) => {
      const result = change(data.counters);
      dropExpired(data.counters, now);
      return result;
    });
  }
}
