import type { RepositoryBinding } from '../../persistence/persistence.module';
import { UsersRepository } from '../users.repository';
import { JsonUsersRepository } from './json/json-users.repository';
import { MemoryUsersRepository } from './memory/memory-users.repository';
import { PgUsersRepository } from './postgres/pg-users.repository';

export const USERS_PERSISTENCE: RepositoryBinding[] = [
  { provide: UsersRepository, json: JsonUsersRepository, memory: MemoryUsersRepository, postgres: PgUsersRepository },
];
