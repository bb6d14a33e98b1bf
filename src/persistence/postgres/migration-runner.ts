import { Inject, Injectable, Logger } from '@nestjs/common';
import { Database } from './database';
import { Migration, MIGRATIONS } from './migrations';
import { connectionFailureReason } from './pg-errors';

/** DI token of the migration list (tests provide their own). */
export const MIGRATION_LIST = Symbol('MIGRATION_LIST');

/**
 * Session-level advisory lock held while migrating: the bigint spelled by the ASCII of "gatehous".
 * Unit locks use the two-int key space, which PostgreSQL keeps apart from this one.
 */
export const MIGRATION_LOCK_KEY = '7449363237540164979';

/** A migration that failed (rolled back, not recorded): the one line start-up prints. */
export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export interface MigrationReport {
  /** Versions this call applied, in order (empty when the schema was already current). */
  applied: number[];
  /** Highest version recorded after this call. */
  version: number;
}

/** Throws unless versions are positive integers in strictly increasing order with names and SQL. */
export function checkMigrationList(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= previous) {
      throw new Error(`Migration list: version ${m.version} must be an integer above ${previous}`);
    }
    if (!m.name || !m.up.trim()) throw new Error(`Migration list: version ${m.version} needs a name and SQL`);
    previous = m.version;
  }
}

/**
 * Brings the schema up to date at start. Holds `pg_advisory_lock(MIGRATION_LOCK_KEY)` on one
 * connection for the whole run, so processes starting together on any number of hosts apply each
 * migration exactly once: the others wait, then find nothing left to do. Each migration runs in its
 * own transaction together with its row in `schema_migrations`, so a failed one leaves no trace.
 */
@Injectable()
export class MigrationRunner {
  private readonly logger = new Logger('Migrations');

  constructor(
    private readonly db: Database,
    @Inject(MIGRATION_LIST) private readonly migrations: readonly Migration[] = MIGRATIONS,
  ) {
    checkMigrationList(migrations);
  }

  async migrate(): Promise<MigrationReport> {
    return this.db.withConnection(async () => {
      // Migrations (and waiting for another process's) may take longer than an ordinary statement.
      await this.db.query('SET statement_timeout = 0');
      await this.lock();
      let failed = false;
      try {
        return await this.applyPending();
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        try {
          await this.db.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
          await this.db.query('RESET statement_timeout');
        } catch (error) {
          // After a failure the connection is discarded (which releases the lock): keep the first error.
          if (!failed) throw error; // eslint-disable-line no-unsafe-finally
        }
      }
    });
  }

  /** Versions recorded in schema_migrations (empty when the table does not exist yet). */
  async appliedVersions(): Promise<number[]> {
    const exists = await this.db.query<{ table: string | null }>(
      "SELECT to_regclass('schema_migrations')::text AS table",
    );
    if (exists.rows[0].table === null) return [];
    const result = await this.db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    return result.rows.map((row) => row.version);
  }

  private async lock(): Promise<void> {
    const tried = await this.db.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      MIGRATION_LOCK_KEY,
    ]);
    if (tried.rows[0].locked) return;
    this.logger.log('Another process is migrating the database; waiting for it');
    await this.db.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  }

  private async applyPending(): Promise<MigrationReport> {
    await this.db.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    int PRIMARY KEY,
        name       text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const done = new Set(await this.appliedVersions());
    const known = new Set(this.migrations.map((m) => m.version));
    const unknown = [...done].filter((version) => !known.has(version));
    if (unknown.length > 0) {
      // A newer build migrated this database (rolling deploy): its migrations must stay compatible.
      this.logger.warn(`The database has migrations this build does not know: ${unknown.join(', ')}`);
    }

    const applied: number[] = [];
    for (const migration of this.migrations) {
      if (done.has(migration.version)) continue;
      await this.apply(migration);
      applied.push(migration.version);
    }
    const version = Math.max(0, ...done, ...applied);
    if (applied.length > 0) this.logger.log(`Database schema at version ${version} (applied ${applied.join(', ')})`);
    return { applied, version };
  }

  private async apply(migration: Migration): Promise<void> {
    try {
      await this.db.transaction(
        async () => {
          await this.db.query(migration.up);
          await this.db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
            migration.version,
            migration.name,
          ]);
        },
        { maxAttempts: 1 },
      );
    } catch (error) {
      throw new MigrationError(
        `migration ${migration.version} (${migration.name}) failed: ${connectionFailureReason(error)}`,
      );
    }
  }
}
