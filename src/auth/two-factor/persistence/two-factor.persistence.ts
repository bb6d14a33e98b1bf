import type { RepositoryBinding } from '../../../persistence/persistence.module';
import { TwoFactorRepository } from '../two-factor.repository';
import { JsonTwoFactorRepository } from './json/json-two-factor.repository';
import { MemoryTwoFactorRepository } from './memory/memory-two-factor.repository';

/** No PostgreSQL implementation yet: STORE=postgres refuses to start with this binding's name. */
export const TWO_FACTOR_BINDINGS: RepositoryBinding[] = [
  { provide: TwoFactorRepository, json: JsonTwoFactorRepository, memory: MemoryTwoFactorRepository },
];
