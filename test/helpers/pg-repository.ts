import { Logger } from '@nestjs/common';
import { Database } from '../../src/persistence/postgres/database';
import { MigrationRunner } from '../../src/persistence/postgres/migration-runner';
import { createTestDatabase, TestDatabase } from './postgres';

export interface PgFixture {
  /** The file's migrated database (valid inside tests and hooks). */
  readonly db: Database;
  /** A second pool on the same database: another "host". */
  readonly otherHost: Database;
  /** Empties the tables (RESTART IDENTITY), so each contract case starts on an empty repository. */
  truncate(): Promise<void>;
}

/**
 * For a repository's `*.pg-spec.ts`: call at the top of the file. One test database per file,
 * migrated once (beforeAll), dropped after; `truncate()` between cases is far cheaper than a
 * CREATE DATABASE per case on a loaded machine.
 */
export function usePgDatabase(tables: readonly string[]): PgFixture {
  let testDb: TestDatabase | undefined;
  let db: Database | undefined;
  let otherHost: Database | undefined;
  beforeAll(async () => {
    Logger.overrideLogger(false);
    testDb = await createTestDatabase();
    db = new Database({ url: testDb.url, poolSize: 8 });
    otherHost = new Database({ url: testDb.url, poolSize: 8 });
    await new MigrationRunner(db).migrate();
  });
  afterAll(async () => {
    await db?.close();
    await otherHost?.close();
    await testDb?.drop();
  });
  const need = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('usePgDatabase: the database is only there inside tests and hooks');
    return value;
  };
  return {
    get db() {
      return need(db);
    },
    get otherHost() {
      return need(otherHost);
    },
    truncate: async () => {
      await need(db).query(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY`);
    },
  };
}
