import { DynamicModule, Global, Module, Provider, Type } from '@nestjs/common';
import { StoreKind } from '../config/app-config';
import { JsonStoreHealth } from './json/json-store-health';
import { JsonStoreModule } from './json/json-store.module';
import { JsonUnitOfWork } from './json/json-unit-of-work';
import { PgStoreHealth } from './postgres/pg-store-health';
import { PgUnitOfWork } from './postgres/pg-unit-of-work';
import { PostgresModule } from './postgres/postgres.module';
import { REPOSITORY_BINDINGS } from './repository-bindings';
import { StoreHealth } from './store-health';
import { UnitOfWork } from './unit-of-work';

/**
 * One abstract repository (the DI token services inject) and its implementation per store. Each
 * feature lists its own in `<feature>/persistence/<feature>.persistence.ts`; repository-bindings.ts
 * gathers them.
 */
export interface RepositoryBinding {
  provide: abstract new (...args: never[]) => unknown;
  json: Type<unknown>;
  /** A third implementation for tests; it must pass the repository's contract test too. */
  memory?: Type<unknown>;
  postgres?: Type<unknown>;
}

/**
 * The seams, chosen once (SPEC §9 `STORE`): binds UnitOfWork, StoreHealth and every repository to the
 * files or the PostgreSQL implementation. Global, so a feature module only declares
 * the services that use them. Nothing here touches the disk or the network until a repository is used,
 * except PostgresModule, which connects and migrates at start.
 */
@Global()
@Module({})
export class PersistenceModule {
  /** `bindings` defaults to every repository; a test may bind a subset (e.g. those with a PostgreSQL class). */
  static forRoot(kind: StoreKind, bindings: RepositoryBinding[] = REPOSITORY_BINDINGS): DynamicModule {
    const repositories: Provider[] = bindings.map((binding) => ({
      provide: binding.provide,
      useClass: implementationOf(binding, kind),
    }));
    const seams: Provider[] =
      kind === 'postgres'
        ? [
            { provide: UnitOfWork, useExisting: PgUnitOfWork },
            { provide: StoreHealth, useExisting: PgStoreHealth },
          ]
        : [
            { provide: UnitOfWork, useExisting: JsonUnitOfWork },
            { provide: StoreHealth, useExisting: JsonStoreHealth },
          ];
    return {
      module: PersistenceModule,
      imports: kind === 'postgres' ? [PostgresModule] : [JsonStoreModule],
      providers: [...seams, ...repositories],
      exports: [UnitOfWork, StoreHealth, ...bindings.map((binding) => binding.provide)],
    };
  }
}

function implementationOf(binding: RepositoryBinding, kind: StoreKind): Type<unknown> {
  const implementation = kind === 'postgres' ? binding.postgres : binding.json;
  if (!implementation) throw new Error(`${binding.provide.name} has no implementation for STORE=${kind}`);
  return implementation;
}
