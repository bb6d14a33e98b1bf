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
import { InvalidEnvError, logFormatForFatalLine, parseEnv } from './config/validate-env';
import { BufferedLogOutput } from './common/logging/log-output';
import { jsonLogLine, QuietLogger } from './common/logging/quiet-logger';
import { CorruptDataFileError } from './persistence/json/store-errors';

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
  const output = new BufferedLogOutput();
  const logger = new QuietLogger(config.logFormat, output);
  // Every Logger in the process writes through it, from the first line on (before Nest starts).
  Logger.overrideLogger(logger);
  if (config.logFormat === 'json') logProcessEventsAsJson(logger);
  if (config.webConcurrency > 1 && cluster.isPrimary) {
    await startPrimary(config, logger);
  } else {
    await startWeb(logger, output);
  }
}

/** Validates the environment before Nest starts, so a bad value costs one clear line. */
function preflight(): AppConfig {
  if (process.env.GATEHOUSE_IGNORE_ENV_FILE !== '1' && fs.existsSync('.env')) process.loadEnvFile('.env');
  return parseEnv(process.env);
}

/**
 * LOG_FORMAT=json promises one JSON object per line: Node's own lines (process warnings, the stack of
 * an uncaught exception) go through the logger too. An uncaught exception still ends the process (1).
 * The logger itself is called, not a `Logger`: those are buffered while Nest starts (`bufferLogs`),
 * and the line must be out before the process exits.
 */
function logProcessEventsAsJson(logger: QuietLogger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => logger.warn(`${warning.name}: ${warning.message}`, 'Process'));
  process.on('uncaughtException', (error: unknown) => {
    Logger.flush(); // what Nest buffered while starting, first
    if (error instanceof Error) logger.error(`Uncaught exception: ${error.message}`, error.stack, 'Process');
    else logger.error(`Uncaught exception: ${String(error)}`, 'Process');
    process.exit(1);
  });
}

async function startWeb(logger: QuietLogger, output: BufferedLogOutput): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
    logger,
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
  // Start-up lines (the setup link, warnings, "Listening on") are out at once; from here on the access
  // log's line per request waits up to 25 ms in memory and goes out in one write with its neighbours.
  output.stopOnExit();
  output.start();
}

async function startPrimary(config: AppConfig, appLogger: QuietLogger): Promise<void> {
  const logger = new Logger('Cluster');
  // One setup token for every worker (each would otherwise invent its own).
  process.env.GATEHOUSE_GENERATED_SETUP_TOKEN ??= randomBytes(24).toString('base64url');
  process.env.GATEHOUSE_ROLE = 'runner';
  const runner = await NestFactory.createApplicationContext(AppModule.forRoot(), {
    abortOnError: false,
    logger: appLogger,
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
  // Printed before (or without) a valid environment: LOG_FORMAT is read leniently here.
  const known = error instanceof InvalidEnvError || error instanceof CorruptDataFileError;
  const message = `Gatehouse cannot start: ${known || error instanceof Error ? error.message : String(error)}`;
  console.error(logFormatForFatalLine(process.env) === 'json' ? jsonLogLine('fatal', 'Gatehouse', message) : message);
  process.exit(1);
});
