import { Logger } from '@nestjs/common';
import { createTestDatabase, TestDatabase } from '../../../test/helpers/postgres';
import { Database, DatabaseUnavailableError } from './database';
import { isConnectionError } from './pg-errors';

/** Resolves for everyone once `parties` callers have arrived. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    if (++arrived === parties) open();
    return opened;
  };
}

describe('Database (PostgreSQL)', () => {
  let testDb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    testDb = await createTestDatabase();
    db = new Database({ url: testDb.url, poolSize: 5 });
    await db.query('CREATE TABLE items (name text PRIMARY KEY)');
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });
  beforeEach(() => db.query('TRUNCATE items'));

  const names = async () =>
    (await db.query<{ name: string }>('SELECT name FROM items ORDER BY name')).rows.map((r) => r.name);
  const backendPid = async () => (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const txid = async () => (await db.query<{ id: string }>('SELECT txid_current()::text AS id')).rows[0].id;

  it('runs a query with parameters on the pool', async () => {
    const result = await db.query<{ sum: number }>('SELECT $1::int + $2::int AS sum', [2, 3]);
    expect(result.rows).toEqual([{ sum: 5 }]);
    expect(db.inTransaction).toBe(false);
  });

  it('commits a transaction; every query inside runs on its connection', async () => {
    const seen = await db.transaction(async () => {
      expect(db.inTransaction).toBe(true);
      await db.query("INSERT INTO items VALUES ('a')");
      const pids = [await backendPid(), await backendPid()];
      const ids = await Promise.all([txid(), txid()]);
      return { pids, ids };
    });
    expect(new Set(seen.pids).size).toBe(1);
    expect(new Set(seen.ids).size).toBe(1);
    expect(await names()).toEqual(['a']);
  });

  it('rolls back and rethrows when the callback throws', async () => {
    const failure = new Error('refused');
    await expect(
      db.transaction(async () => {
        await db.query("INSERT INTO items VALUES ('a')");
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await names()).toEqual([]);
  });

  it('rolls back when a statement fails', async () => {
    await expect(
      db.transaction(async () => {
        await db.query("INSERT INTO items VALUES ('a')");
        await db.query("INSERT INTO items VALUES ('a')");
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await names()).toEqual([]);
  });

  it('nested transactions join the outer one (same transaction; the outer rollback undoes the inner work)', async () => {
    await expect(
      db.transaction(async () => {
        const outer = await txid();
        const inner = await db.transaction(async () => {
          await db.query("INSERT INTO items VALUES ('inner')");
          return txid();
        });
        expect(inner).toBe(outer);
        throw new Error('outer fails after the inner one succeeded');
      }),
    ).rejects.toThrow('outer fails');
    expect(await names()).toEqual([]);
  });

  it('keeps concurrent transactions apart (AsyncLocalStorage): each sees only its own uncommitted rows', async () => {
    const inserted = barrier(2);
    const read = barrier(2);
    const run = (name: string) =>
      db.transaction(async () => {
        await db.query('INSERT INTO items VALUES ($1)', [name]);
        await inserted();
        const rows = (await db.query<{ name: string }>('SELECT name FROM items')).rows.map((r) => r.name);
        await read(); // neither commits before both have read
        return rows;
      });
    const [a, b] = await Promise.all([run('a'), run('b')]);
    expect(a).toEqual(['a']);
    expect(b).toEqual(['b']);
    expect(await names()).toEqual(['a', 'b']);
  });

  it('withConnection keeps one connection; a transaction inside uses it', async () => {
    await db.withConnection(async () => {
      const pid = await backendPid();
      await db.query("SET application_name = 'session-state'");
      const inside = await db.transaction(async () => backendPid());
      expect(inside).toBe(pid);
      expect(await backendPid()).toBe(pid);
    });
  });

  it('refuses a query from a promise that outlived its transaction', async () => {
    let escaped!: Promise<unknown>;
    await db.transaction(async () => {
      escaped = new Promise((resolve) => setTimeout(resolve, 20)).then(() => db.query('SELECT 1'));
    });
    await expect(escaped).rejects.toThrow(/after its transaction ended/);
  });

  it('advisory lock helpers need a transaction', async () => {
    await expect(db.advisoryXactLock('x')).rejects.toThrow(/needs a transaction/);
    await expect(db.tryAdvisoryXactLock('x')).rejects.toThrow(/needs a transaction/);
  });

  it('tryAdvisoryXactLock is false while another transaction holds the name, true once it ended', async () => {
    const other = new Database({ url: testDb.url, poolSize: 1 });
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const holder = db.transaction(async () => {
        await db.advisoryXactLock('job:1');
        locked();
        await held;
      });
      await isLocked;
      expect(await other.transaction(() => other.tryAdvisoryXactLock('job:1'))).toBe(false);
      expect(await other.transaction(() => other.tryAdvisoryXactLock('job:2'))).toBe(true);
      release();
      await holder;
      expect(await other.transaction(() => other.tryAdvisoryXactLock('job:1'))).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('reruns a transaction that failed with a serialization failure, then gives up after maxAttempts', async () => {
    let runs = 0;
    const result = await db.transaction(async () => {
      runs++;
      await db.query('INSERT INTO items VALUES ($1)', [`run${runs}`]);
      if (runs < 3) throw Object.assign(new Error('could not serialize access'), { code: '40001' });
      return 'done';
    });
    expect(result).toBe('done');
    expect(runs).toBe(3);
    expect(await names()).toEqual(['run3']);

    runs = 0;
    await expect(
      db.transaction(
        async () => {
          runs++;
          throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        },
        { maxAttempts: 2 },
      ),
    ).rejects.toThrow('deadlock detected');
    expect(runs).toBe(2);
  });

  it('retries a real serialization failure under SERIALIZABLE (write skew)', async () => {
    await db.query("INSERT INTO items VALUES ('seed')");
    let arrived = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    // Each reads the count, waits for the other to read too (first run only), then inserts.
    const run = (name: string) =>
      db.transaction(
        async () => {
          runs++;
          const count = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM items')).rows[0].n;
          if (runs <= 2) {
            if (++arrived === 2) release();
            await bothRead;
          }
          await db.query('INSERT INTO items VALUES ($1)', [`${name}${count}`]);
        },
        { isolation: 'serializable' },
      );
    await Promise.all([run('a'), run('b')]);
    expect(runs).toBe(3); // one of the two was rerun
    const rows = await names();
    expect(rows).toHaveLength(3);
    expect(rows.filter((n) => n.endsWith('2'))).toHaveLength(1); // the rerun saw the other's row
  });

  it('survives a connection killed in the middle of a transaction; the pool recovers', async () => {
    const victim = new Database({ url: testDb.url, poolSize: 2 });
    try {
      const attempt = victim.transaction(async () => {
        const pid = await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await db.query('SELECT pg_terminate_backend($1)', [pid.rows[0].pid]);
        await victim.query('SELECT 1');
      });
      const error = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isConnectionError(error)).toBe(true);
      expect((await victim.query<{ one: number }>('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      await victim.close();
    }
  });

  it('drops idle connections the server ended, without crashing', async () => {
    const idle = new Database({ url: testDb.url, poolSize: 3 });
    try {
      await Promise.all([1, 2, 3].map(() => idle.query('SELECT pg_sleep(0.05)')));
      await db.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'",
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await idle.query<{ one: number }>('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      await idle.close();
    }
  });

  it('connectOrFail succeeds on a reachable server', async () => {
    await expect(db.connectOrFail()).resolves.toBeUndefined();
  });

  it('connectOrFail names host:port/database and the reason in one line, never the password', async () => {
    const url = new URL(testDb.url);
    url.password = 'Wr0ng-Passw0rd';
    const wrong = new Database({ url: url.toString() });
    try {
      const error = await wrong.connectOrFail().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      const message = (error as Error).message;
      expect(message).toBe(
        `cannot connect to the database at 127.0.0.1:${url.port}/${testDb.name} (password authentication failed for user "postgres")`,
      );
      expect(message).not.toContain('Wr0ng-Passw0rd');
    } finally {
      await wrong.close();
    }
  });

  it('close() is idempotent', async () => {
    const other = new Database({ url: testDb.url });
    await other.query('SELECT 1');
    await other.close();
    await other.close();
    await expect(other.query('SELECT 1')).rejects.toThrow();
  });
});
