import type { RepositoryBinding } from '../../persistence/persistence.module';
import { InvitesRepository } from '../invites.repository';
import { JsonInvitesRepository } from './json/json-invites.repository';
import { MemoryInvitesRepository } from './memory/memory-invites.repository';
import { PgInvitesRepository } from './postgres/pg-invites.repository';

export const INVITES_PERSISTENCE: RepositoryBinding[] = [
  {
    provide: InvitesRepository,
    json: JsonInvitesRepository,
    memory: MemoryInvitesRepository,
    postgres: PgInvitesRepository,
  },
];
