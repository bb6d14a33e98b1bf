import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AdminModule } from './admin/admin.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CommonModule } from './common/common.module';
import { FormError, FieldErrors } from './common/errors/form-error';
import { HttpExceptionFilter } from './common/filters/http-exception.filter';
import { ConfigModule } from './config/config.module';
import { GenerationModule } from './generation/generation.module';
import { HealthController } from './health/health.controller';
import { HomeController } from './home/home.controller';
import { InvitesModule } from './invites/invites.module';
import { PersistenceModule } from './persistence/persistence.module';
import { storeKindFromEnv } from './config/validate-env';

@Module({})
export class AppModule {
  /** Called at bootstrap (not import time), so each app validates the environment it starts with. */
  static forRoot(): DynamicModule {
    // Read first: it throws synchronously on a bad environment, before ConfigModule starts its own (async) check.
    const store = storeKindFromEnv();
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(),
        CommonModule,
        PersistenceModule.forRoot(store),
        AuditModule,
        AuthModule,
        InvitesModule,
        AdminModule,
        GenerationModule,
      ],
      controllers: [HomeController, HealthController],
      providers: [
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            transform: true,
            whitelist: true,
            exceptionFactory: (errors) => {
              const fields: FieldErrors = {};
              for (const e of errors) fields[e.property] = Object.values(e.constraints ?? {});
              return new FormError('Please correct the highlighted fields.', fields, 400);
            },
          }),
        },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
      ],
    };
  }
}
