import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from './dist';
import { storeEnvFor } from './e2e-databases';

/** The built CLI (`npm run cli` runs it); `npm test` builds dist/ first. */
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Only what the CLI needs: nothing leaks in from the test runner's environment. In postgres mode the
 * CLI runs on the database of the test apps started on `dataDir`.
 */
export function cliEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    DATA_DIR: dataDir,
    BCRYPT_COST: '4',
    GATEHOUSE_IGNORE_ENV_FILE: '1',
    ...storeEnvFor(dataDir),
    ...extra,
  };
}

/** Runs `node dist/cli.js ...args` on `dataDir`, feeding `input` on stdin (not a TTY). */
export function runCli(
  dataDir: string,
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return spawnCli(args, { cwd: ROOT, env: cliEnv(dataDir, options.env), input: options.input });
}

/** `node dist/cli.js ...args` with exactly `env`, collecting its output and exit code. */
export function spawnCli(
  args: string[],
  options: { cwd: string; env: Record<string, string>; input?: string },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d.toString()));
    child.stderr.on('data', (d) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
