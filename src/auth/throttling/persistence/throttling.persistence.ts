import type { RepositoryBinding } from '../../../persistence/persistence.module';
import { ThrottleRepository } from '../throttle.repository';
import { JsonThrottleRepository } from './json/json-throttle.repository';
import { MemoryThrottleRepository } from './memory/memory-throttle.repository';
import { PgThrottleRepository } from './postgres/pg-throttle.repository';

export const THROTTLING_PERSISTENCE: RepositoryBinding[] = [
  {
    provide: ThrottleRepository,
    json: JsonThrottleRepository,
    memory: MemoryThrottleRepository,
    postgres: PgThrottleRepository,
  },
];
