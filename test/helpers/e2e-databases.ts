import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { Database } from '../../src/persistence/postgres/database';
import { MigrationRunner } from '../../src/persistence/postgres/migration-runner';
import { MIGRATIONS } from '../../src/persistence/postgres/migrations';
import { createTestDatabase, testServerUrl } from './postgres';

/**
 * Databases of the e2e suite in postgres mode. Every app gets an empty, migrated database: a copy of a
 * template migrated once per jest worker (CREATE DATABASE ... TEMPLATE is much cheaper than running the
 * migrations again). An app started again on the same DATA_DIR (a "restart") gets the same database,
 * and a CLI run on that DATA_DIR too (storeEnvFor). All of a test file's databases are dropped after it
 * (test/postgres/e2e-mode.after.ts).
 */
const byDataDir = new Map<string, string>();
const created: string[] = [];

const LATEST = MIGRATIONS[MIGRATIONS.length - 1].version;

function templateName(): string {
  const port = new URL(testServerUrl()).port || '5432';
  return `gatehouse_e2e_tpl_${port}_v${LATEST}_w${process.env.JEST_WORKER_ID ?? '0'}`;
}

async function asAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

let template: Promise<string> | undefined;

/** The worker's migrated template (made on first use; kept for the worker's next test files). */
function ensureTemplate(): Promise<string> {
  template ??= (async () => {
    const name = templateName();
    const exists = await asAdmin(
      async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount,
    );
    if (exists) return name;
    const fresh = await createTestDatabase();
    Logger.overrideLogger(false);
    const db = new Database({ url: fresh.url, poolSize: 1 });
    try {
      await new MigrationRunner(db).migrate();
    } finally {
      await db.close();
    }
    await asAdmin((c) => c.query(`ALTER DATABASE ${fresh.name} RENAME TO ${name}`));
    return name;
  })();
  return template;
}

/** The database URL for an app on `dataDir`: the one it had before, else a new copy of the template. */
export async function databaseFor(dataDir: string): Promise<string> {
  const known = byDataDir.get(dataDir);
  if (known) return known;
  const source = await ensureTemplate();
  const name = `gatehouse_e2e_${Math.random().toString(16).slice(2, 14)}`;
  await asAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${source} STRATEGY FILE_COPY`));
  created.push(name);
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  byDataDir.set(dataDir, url.toString());
  return url.toString();
}

/** STORE and DATABASE_URL of the apps started on `dataDir` (empty in files mode): for a CLI run on it. */
export function storeEnvFor(dataDir: string): Record<string, string> {
  const url = byDataDir.get(dataDir);
  return url ? { STORE: 'postgres', DATABASE_URL: url, DATABASE_POOL_SIZE: '2' } : {};
}

/** Drops the databases made since the last call (after each test file). */
export async function dropE2eDatabases(): Promise<void> {
  const names = created.splice(0);
  byDataDir.clear();
  if (names.length === 0) return;
  await asAdmin(async (c) => {
    for (const name of names) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
}
