import { NestFactory } from '@nestjs/core';
import { InvalidEnvError } from '../config/validate-env';
import { CorruptDataFileError } from '../persistence/json/store-errors';
import { parseCliArgs, USAGE } from './cli-args';
import { CliCommands } from './cli-commands.service';
import { CliRefusedError, CliUsageError, EXIT_OK, EXIT_REFUSED, EXIT_USAGE } from './cli-errors';
import { CliIo } from './cli-io';
import { CliModule } from './cli.module';

/** Parses, boots a Nest application context (no HTTP server), runs one command; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let command;
  try {
    command = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    io.err(`${error.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (command.name === 'help') {
    io.out(USAGE);
    return EXIT_OK;
  }

  // Tells shared services this is not a web process: no setup URL printed, no job runner.
  process.env.GATEHOUSE_ROLE = 'cli';
  let app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>> | undefined;
  try {
    app = await NestFactory.createApplicationContext(CliModule.forRoot(), { logger: false, abortOnError: false });
    await app.get(CliCommands).run(command, io);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.err(`${error.message}\n\nRun "npm run cli -- help" for usage.`);
      return EXIT_USAGE;
    }
    if (error instanceof CliRefusedError) {
      io.err(error.message);
      return EXIT_REFUSED;
    }
    if (error instanceof InvalidEnvError || error instanceof CorruptDataFileError) {
      io.err(`Gatehouse CLI cannot start: ${error.message}`);
      return EXIT_REFUSED;
    }
    io.err(`Gatehouse CLI failed: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_REFUSED;
  } finally {
    await app?.close();
  }
}
