import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { Client } from 'pg';

/**
 * PostgreSQL for tests of the jest `postgres` project (see src/persistence/postgres/README.md): its
 * globalSetup starts one embedded server per run (or uses TEST_DATABASE_URL) and publishes its admin
 * URL as GATEHOUSE_TEST_PG_URL.
 */
export function testServerUrl(): string {
  const url = process.env.GATEHOUSE_TEST_PG_URL;
  if (!url) {
    throw new Error('No test PostgreSQL: run this file in the jest "postgres" project (npm run test:pg)');
  }
  return url;
}

export interface TestDatabase {
  /** Connection URL of the new, empty database (same server and credentials as the admin URL). */
  url: string;
  name: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

async function asAdmin<T>(adminUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** An empty database of its own for a test file (or one app): CREATE DATABASE with a random name. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = testServerUrl();
  const name = `gatehouse_test_${randomBytes(6).toString('hex')}`;
  await asAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await asAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** A server of the test's own, to stop and start (test/postgres/embedded-server.mjs in a child process). */
export interface ThrowawayPostgres {
  url: string;
  port: number;
  /** Fast shutdown: connections are closed, new ones refused. */
  stop(): Promise<number>;
  /** Starts it again on the same port and data. */
  start(): Promise<number>;
  /** Stops it for good and removes its data folder. */
  close(): Promise<void>;
}

interface ServerEvent {
  event: 'ready' | 'stopped' | 'started' | 'exited' | 'error';
  url?: string;
  port?: number;
  ms?: number;
  message?: string;
  log?: string[];
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const script = path.join(__dirname, '..', 'postgres', 'embedded-server.mjs');
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const events: ServerEvent[] = [];
  const waiters: Array<(event: ServerEvent) => void> = [];
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as ServerEvent;
    const waiter = waiters.shift();
    if (waiter) waiter(event);
    else events.push(event);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = (): Promise<ServerEvent> => {
    const queued = events.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      waiters.push(resolve);
      void exited.then(() => reject(new Error('the throwaway PostgreSQL process exited')));
    });
  };
  const expectEvent = async (wanted: ServerEvent['event']): Promise<ServerEvent> => {
    const event = await next();
    if (event.event !== wanted) {
      throw new Error(`throwaway PostgreSQL: ${event.message ?? event.event}\n${(event.log ?? []).join('\n')}`);
    }
    return event;
  };
  const command = async (name: 'stop' | 'start', wanted: ServerEvent['event']): Promise<number> => {
    child.stdin.write(`${name}\n`);
    return (await expectEvent(wanted)).ms ?? 0;
  };

  const ready = await expectEvent('ready');
  return {
    url: ready.url!,
    port: ready.port!,
    stop: () => command('stop', 'stopped'),
    start: () => command('start', 'started'),
    close: async () => {
      if (child.exitCode === null) child.stdin.end('exit\n');
      await exited;
    },
  };
}
