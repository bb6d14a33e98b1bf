import type { RepositoryBinding } from '../../../persistence/persistence.module';
import { ResetTokensRepository } from '../reset-tokens.repository';
import { JsonResetTokensRepository } from './json/json-reset-tokens.repository';
import { MemoryResetTokensRepository } from './memory/memory-reset-tokens.repository';
import { PgResetTokensRepository } from './postgres/pg-reset-tokens.repository';

export const RESET_PERSISTENCE: RepositoryBinding[] = [
  {
    provide: ResetTokensRepository,
    json: JsonResetTokensRepository,
    memory: MemoryResetTokensRepository,
    postgres: PgResetTokensRepository,
  },
];
