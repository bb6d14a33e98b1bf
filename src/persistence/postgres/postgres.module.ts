import { Global, Inject, Module, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { Database } from './database';
import { MIGRATION_LIST, MigrationRunner } from './migration-runner';
import { MIGRATIONS } from './migrations';
import { PgStoreHealth } from './pg-store-health';
import { PgUnitOfWork } from './pg-unit-of-work';

/**
 * PostgreSQL infrastructure for STORE=postgres: import it (once, in AppModule) only in that mode.
 * Global, so every feature module's PostgreSQL repositories can inject `Database`.
 *
 * On init it connects and migrates, so a database that cannot be reached (or a failing migration)
 * stops start-up with one line (DatabaseUnavailableError / MigrationError); the pool closes on
 * application shutdown.
 */
@Global()
@Module({
  providers: [
    { provide: Database, inject: [AppConfig], useFactory: (config: AppConfig) => Database.fromConfig(config) },
    { provide: MIGRATION_LIST, useValue: MIGRATIONS },
    MigrationRunner,
    PgUnitOfWork,
    PgStoreHealth,
  ],
  exports: [Database, MigrationRunner, PgUnitOfWork, PgStoreHealth],
})
export class PostgresModule implements OnModuleInit {
  constructor(
    @Inject(Database) private readonly db: Database,
    private readonly migrations: MigrationRunner,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.db.connectOrFail();
    await this.migrations.migrate();
  }
}
