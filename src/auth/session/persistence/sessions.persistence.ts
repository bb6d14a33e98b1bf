import type { RepositoryBinding } from '../../../persistence/persistence.module';
import { SessionsRepository } from '../sessions.repository';
import { JsonSessionsRepository } from './json/json-sessions.repository';
import { MemorySessionsRepository } from './memory/memory-sessions.repository';
import { PgSessionsRepository } from './postgres/pg-sessions.repository';

/** Server-side sessions: one file per session in files mode, one row per session in PostgreSQL. */
export const SESSIONS_PERSISTENCE: RepositoryBinding[] = [
  {
    provide: SessionsRepository,
    json: JsonSessionsRepository,
    memory: MemorySessionsRepository,
    postgres: PgSessionsRepository,
  },
];
