import 'reflect-metadata';
import { processIo } from './cli/cli-io';
import { runCli } from './cli/run-cli';

// As in main.ts: files the CLI creates under DATA_DIR are private (they also get explicit modes).
process.umask(0o077);

/** `npm run cli -- <command>` (SPEC §6.3). See src/cli/cli-args.ts for the commands. */
runCli(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('Gatehouse CLI failed:', error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
