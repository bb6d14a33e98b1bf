import { Logger } from '@nestjs/common';
import { createTestDatabase, TestDatabase } from '../../../test/helpers/postgres';
import { Database } from './database';
import { MigrationError, MigrationRunner } from './migration-runner';
import { Migration, MIGRATIONS } from './migrations';

describe('MigrationRunner (PostgreSQL)', () => {
  let testDb: TestDatabase;
  const opened: Database[] = [];
  const open = (poolSize = 3) => {
    const db = new Database({ url: testDb.url, poolSize });
    opened.push(db);
    return db;
  };

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(async () => {
    testDb = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close()));
    await testDb.drop();
  });

  const tableExists = async (db: Database, name: string) =>
    (await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name])).rows[0].t !== null;

  it('applies the shipped migrations once and records them', async () => {
    const db = open();
    const runner = new MigrationRunner(db);
    expect(await runner.appliedVersions()).toEqual([]);

    const first = await runner.migrate();
    expect(first.applied).toEqual(MIGRATIONS.map((m) => m.version));
    expect(first.version).toBe(MIGRATIONS[MIGRATIONS.length - 1].version);
    const rows = await db.query<{ version: number; name: string; applied_at: Date }>(
      'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
    );
    expect(rows.rows.map(({ version, name }) => ({ version, name }))).toEqual(
      MIGRATIONS.map(({ version, name }) => ({ version, name })),
    );
    expect(rows.rows[0].applied_at).toBeInstanceOf(Date);

    // Migration 1: instance_settings(key, value, created_at).
    await db.query("INSERT INTO instance_settings (key, value) VALUES ('session_secret', 'x')");
    const setting = await db.query('SELECT key, value, created_at FROM instance_settings');
    expect(setting.rows[0]).toMatchObject({ key: 'session_secret', value: 'x' });
    expect(setting.rows[0].created_at).toBeInstanceOf(Date);

    const second = await new MigrationRunner(open()).migrate();
    expect(second).toEqual({ applied: [], version: first.version });
    expect(await runner.appliedVersions()).toEqual(first.applied);
  });

  it('is safe when 5 processes start together: each migration applied exactly once, every start succeeds', async () => {
    const slow: Migration[] = [
      { version: 1, name: 'slow_one', up: 'SELECT pg_sleep(0.2); CREATE TABLE one (id int PRIMARY KEY);' },
      { version: 2, name: 'counted', up: 'CREATE TABLE two (id int); INSERT INTO two VALUES (1);' },
    ];
    const runners = Array.from({ length: 5 }, () => new MigrationRunner(open(2), slow));
    const reports = await Promise.all(runners.map((runner) => runner.migrate()));

    expect(reports.filter((r) => r.applied.length > 0)).toEqual([{ applied: [1, 2], version: 2 }]);
    expect(reports.filter((r) => r.applied.length === 0)).toHaveLength(4);
    expect(reports.every((r) => r.version === 2)).toBe(true);
    const db = open();
    expect((await db.query('SELECT * FROM two')).rowCount).toBe(1); // its INSERT ran once
    expect((await db.query('SELECT version FROM schema_migrations')).rowCount).toBe(2);
  });

  it('a failing migration is rolled back and not recorded; the earlier ones stay; a fixed one applies later', async () => {
    const db = open();
    const broken: Migration[] = [
      { version: 1, name: 'good', up: 'CREATE TABLE good (id int)' },
      { version: 2, name: 'bad', up: 'CREATE TABLE half (id int); SELEC oops;' },
      { version: 3, name: 'after', up: 'CREATE TABLE after_bad (id int)' },
    ];
    const error = await new MigrationRunner(db, broken).migrate().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/^migration 2 \(bad\) failed: syntax error at or near "SELEC"$/);
    expect(await new MigrationRunner(db, broken).appliedVersions()).toEqual([1]);
    expect(await tableExists(db, 'good')).toBe(true);
    expect(await tableExists(db, 'half')).toBe(false);
    expect(await tableExists(db, 'after_bad')).toBe(false);

    const fixed = [broken[0], { version: 2, name: 'bad', up: 'CREATE TABLE half (id int)' }, broken[2]];
    expect(await new MigrationRunner(db, fixed).migrate()).toEqual({ applied: [2, 3], version: 3 });
  });

  it('releases its lock and restores the statement timeout on a pooled connection', async () => {
    const db = open(1); // one connection: the migration session is the connection later queries get
    await new MigrationRunner(db).migrate();
    expect((await db.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0].statement_timeout).toBe(
      '30s',
    );
    // pg_locks spans the whole cluster, where other test files' databases hold advisory locks of their own:
    // only this pooled connection's session counts.
    const locks = await db.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()");
    expect(locks.rowCount).toBe(0);
  });

  it('warns about, but accepts, versions a newer build recorded', async () => {
    const db = open();
    await new MigrationRunner(db).migrate();
    await db.query("INSERT INTO schema_migrations (version, name) VALUES (9999, 'from_the_future')");
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      expect(await new MigrationRunner(db).migrate()).toEqual({ applied: [], version: 9999 });
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('9999'));
    } finally {
      warn.mockRestore();
    }
  });
});
