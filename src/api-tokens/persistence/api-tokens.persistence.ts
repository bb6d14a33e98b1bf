import type { RepositoryBinding } from '../../persistence/persistence.module';
import { ApiTokensRepository } from '../api-tokens.repository';
import { JsonApiTokensRepository } from './json/json-api-tokens.repository';
import { MemoryApiTokensRepository } from './memory/memory-api-tokens.repository';
import { PgApiTokensRepository } from './postgres/pg-api-tokens.repository';

export const API_TOKENS_PERSISTENCE: RepositoryBinding[] = [
  {
    provide: ApiTokensRepository,
    json: JsonApiTokensRepository,
    memory: MemoryApiTokensRepository,
    postgres: PgApiTokensRepository,
  },
];
