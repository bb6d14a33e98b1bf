import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule, ConfigService } from '@nestjs/config';
import { AppConfig } from './app-config';
import { ConfigWarnings } from './config-warnings.service';
import { validateEnv } from './validate-env';

/**
 * Global typed configuration. `AppConfig` is injectable everywhere; it is validated once per app
 * (forRoot is called at bootstrap, not at import time, so tests can build apps with different env).
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(): DynamicModule {
    return {
      module: ConfigModule,
      imports: [
        NestConfigModule.forRoot({
          cache: false,
          ignoreEnvFile: process.env.GATEHOUSE_IGNORE_ENV_FILE === '1',
          validate: validateEnv,
        }),
      ],
      providers: [
        {
          provide: AppConfig,
          inject: [ConfigService],
          useFactory: (config: ConfigService) => config.get<AppConfig>('app'),
        },
        ConfigWarnings,
      ],
      exports: [AppConfig],
    };
  }
}
