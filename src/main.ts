import 'reflect-metadata';
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configureApp } from './app.setup';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { InvalidEnvError, parseEnv } from './config/validate-env';
import { QuietLogger } from './common/quiet-logger';
import { CorruptDataFileError } from './storage/store-errors';

// Belt and braces for SPEC §7 (DATA_DIR private): whatever this process creates is for its user only.
// Every file and folder under DATA_DIR also gets an explicit mode, so apps made in-process (tests) match.
process.umask(0o077);

/**
 * Process roles (GATEHOUSE_ROLE): unset = one process serving HTTP and running jobs; with
 * WEB_CONCURRENCY > 1 the primary runs jobs ('runner') and forks N HTTP workers ('web') that share
 * the port (node:cluster) and DATA_DIR (the store's cross-process locks keep them consistent).
 */
async function main(): Promise<void> {
  const config = preflight();
  if (config.webConcurrency > 1 && cluster.isPrimary) {
    await startPrimary(config);
  } else {
    await startWeb();
  }
}

/** Validates the environment before Nest starts, so a bad value costs one clear line. */
function preflight(): AppConfig {
  if (process.env.GATEHOUSE_IGNORE_ENV_FILE !== '1' && fs.existsSync('.env')) process.loadEnvFile('.env');
  return parseEnv(process.env);
}

async function startWeb(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
    logger: new QuietLogger(),
  });
  configureApp(app);
  const config = app.get(AppConfig);
  await app.listen(config.port, config.host);
  if (!cluster.isWorker || process.env.GATEHOUSE_WORKER_INDEX === '1') {
    if (config.trustProxy === true) {
      new Logger('Proxy').warn(
        'TRUST_PROXY=true believes any X-Forwarded-For: a client that reaches the app directly can choose ' +
          'its IP for the per-IP login and registration limits. Set the number of proxies in front ' +
          '(TRUST_PROXY=1) or their addresses instead.',
      );
    }
    new Logger('Gatehouse').log(`Listening on http://${config.host}:${config.port}`);
  }
}

async function startPrimary(config: AppConfig): Promise<void> {
  const logger = new Logger('Cluster');
  // One setup token for every worker (each would otherwise invent its own).
  process.env.GATEHOUSE_GENERATED_SETUP_TOKEN ??= randomBytes(24).toString('base64url');
  process.env.GATEHOUSE_ROLE = 'runner';
  const runner = await NestFactory.createApplicationContext(AppModule.forRoot(), {
    abortOnError: false,
    logger: new QuietLogger(),
  });
  runner.enableShutdownHooks();

  let stopping = false;
  const fork = (index: number) => {
    const worker = cluster.fork({ GATEHOUSE_ROLE: 'web', GATEHOUSE_WORKER_INDEX: String(index) });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      logger.warn(`Worker ${index} exited (${signal ?? code}); starting a new one`);
      setTimeout(() => fork(index), 500);
    });
  };
  for (let i = 1; i <= config.webConcurrency; i++) fork(i);
  logger.log(`Primary ${process.pid}: ${config.webConcurrency} web workers, jobs run here`);

  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  // One clear line for the operator: bad configuration or a corrupt data file.
  const known = error instanceof InvalidEnvError || error instanceof CorruptDataFileError;
  console.error(`Gatehouse cannot start: ${known || error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
