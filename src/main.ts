import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configureApp } from './app.setup';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { InvalidEnvError } from './config/validate-env';
import { CorruptDataFileError } from './storage/store-errors';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), {
    bodyParser: false,
    bufferLogs: true,
  });
  configureApp(app);
  const config = app.get(AppConfig);
  await app.listen(config.port, config.host);
  new Logger('Gatehouse').log(`Listening on http://${config.host}:${config.port}`);
}

bootstrap().catch((error: unknown) => {
  // One clear line for the operator: bad configuration or a corrupt data file.
  if (error instanceof InvalidEnvError || error instanceof CorruptDataFileError) {
    console.error(`Gatehouse cannot start: ${error.message}`);
  } else {
    console.error('Gatehouse cannot start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
