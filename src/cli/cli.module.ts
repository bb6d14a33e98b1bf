import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module';
import { AuditModule } from '../audit/audit.module';
import { CommonModule } from '../common/common.module';
import { ConfigModule } from '../config/config.module';
import { storeKindFromEnv } from '../config/validate-env';
import { InvitesModule } from '../invites/invites.module';
import { FilesImportModule } from '../persistence/import/files-import.module';
import { PersistenceModule } from '../persistence/persistence.module';
import { UsersModule } from '../users/users.module';
import { CliCommands } from './cli-commands.service';

/**
 * The services the CLI shares with the server (same store and locks), without HTTP, sessions or jobs:
 * never AuthModule, so no command makes a session secret or a sessions file.
 */
@Module({})
export class CliModule {
  static forRoot(): DynamicModule {
    // Read first: it throws synchronously on a bad environment, before ConfigModule starts its own (async) check.
    const store = storeKindFromEnv();
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(),
        CommonModule,
        PersistenceModule.forRoot(store),
        AuditModule,
        UsersModule,
        InvitesModule,
        AdminModule,
        // import-files: writes through the postgres repositories, so only in that mode.
        ...(store === 'postgres' ? [FilesImportModule] : []),
      ],
      providers: [CliCommands],
    };
  }
}
