import type { RepositoryBinding } from '../../../persistence/persistence.module';
import { TwoFactorRepository } from '../two-factor.repository';
import { JsonTwoFactorRepository } from './json/json-two-factor.repository';
import { MemoryTwoFactorRepository } from './memory/memory-two-factor.repository';
import { PgTwoFactorRepository } from './postgres/pg-two-factor.repository';

/** two-factor.json in files mode, the `two_factor` table in PostgreSQL. */
export const TWO_FACTOR_BINDINGS: RepositoryBinding[] = [
  {
    provide: TwoFactorRepository,
    json: JsonTwoFactorRepository,
    memory: MemoryTwoFactorRepository,
    postgres: PgTwoFactorRepository,
  },
];
