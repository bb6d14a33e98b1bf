import { Logger } from '@nestjs/common';
import { createTestDatabase, TestDatabase } from '../../../test/helpers/postgres';
import { Database } from './database';
import { PgUnitOfWork } from './pg-unit-of-work';

/** A promise and its resolver, to hold a unit open until the test lets it go. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PgUnitOfWork (PostgreSQL)', () => {
  let testDb: TestDatabase;
  // Two pools = two "hosts": a lock shared only inside one process would not pass these tests.
  let hostA: Database;
  let hostB: Database;
  let unitsA: PgUnitOfWork;
  let unitsB: PgUnitOfWork;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    testDb = await createTestDatabase();
    hostA = new Database({ url: testDb.url, poolSize: 4 });
    hostB = new Database({ url: testDb.url, poolSize: 4 });
    unitsA = new PgUnitOfWork(hostA);
    unitsB = new PgUnitOfWork(hostB);
    await hostA.query('CREATE TABLE events (seq serial PRIMARY KEY, what text NOT NULL)');
  });
  afterAll(async () => {
    await Promise.all([hostA.close(), hostB.close()]);
    await testDb.drop();
  });
  beforeEach(() => hostA.query('TRUNCATE events RESTART IDENTITY'));

  const record = (db: Database, what: string) => db.query('INSERT INTO events (what) VALUES ($1)', [what]);
  const events = async () =>
    (await hostA.query<{ what: string }>('SELECT what FROM events ORDER BY seq')).rows.map((r) => r.what);

  it('serialises two runs of the same name across hosts: the second starts only after the first commits', async () => {
    const aInside = deferred();
    const letAFinish = deferred();
    const order: string[] = [];

    const first = unitsA.run('invite:abc', async () => {
      order.push('A start');
      await record(hostA, 'A');
      aInside.resolve();
      await letAFinish.promise;
      order.push('A end');
    });
    await aInside.promise;

    let bStarted = false;
    const second = unitsB.run('invite:abc', async () => {
      bStarted = true;
      order.push('B start');
      // A's row is committed and visible: B began after A's COMMIT, not merely after A's callback.
      const seen = (await hostB.query<{ what: string }>('SELECT what FROM events')).rows.map((r) => r.what);
      await record(hostB, 'B');
      return seen;
    });

    await sleep(300);
    const bStartedWhileAHeld = bStarted;
    letAFinish.resolve(); // before asserting, so a failure leaves no transaction open
    const [, seenByB] = await Promise.all([first, second]);
    expect(bStartedWhileAHeld).toBe(false); // it waited for A's lock
    expect(order).toEqual(['A start', 'A end', 'B start']);
    expect(seenByB).toEqual(['A']);
    expect(await events()).toEqual(['A', 'B']);
  });

  it('lets different names run at the same time', async () => {
    const bInside = deferred();
    // A waits inside its unit for B to be inside its own: a shared lock would make this hang.
    const a = unitsA.run('invite:one', async () => {
      await bInside.promise;
      await record(hostA, 'A');
    });
    const b = unitsB.run('invite:two', async () => {
      bInside.resolve();
      await record(hostB, 'B');
    });
    await within(Promise.all([a, b]), 5000, 'two different names');
    expect((await events()).sort()).toEqual(['A', 'B']);
  });

  it('rolls back everything when the unit throws, rethrows, and releases the name', async () => {
    const undo = jest.fn(() => Promise.resolve());
    const failure = new Error('quota exceeded');
    await expect(
      unitsA.run('quota:u1', async (unit) => {
        await record(hostA, 'reserved');
        unit.onRollback(undo);
        await record(hostA, 'job');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await events()).toEqual([]);
    expect(undo).not.toHaveBeenCalled(); // the rollback undid it; registered steps are for the files store
    await within(
      unitsB.run('quota:u1', () => record(hostB, 'next')),
      2000,
      'the same name after a failed run',
    );
    expect(await events()).toEqual(['next']);
  });

  it('a nested run joins the outer transaction and holds its own name until the outer one ends', async () => {
    const innerTaken = deferred();
    const letOuterFinish = deferred();
    const outer = unitsA.run('outer', async () => {
      const outerTx = (await hostA.query<{ id: string }>('SELECT txid_current()::text AS id')).rows[0].id;
      const innerTx = await unitsA.run('inner', async () => {
        await record(hostA, 'inner');
        return (await hostA.query<{ id: string }>('SELECT txid_current()::text AS id')).rows[0].id;
      });
      expect(innerTx).toBe(outerTx);
      innerTaken.resolve();
      await letOuterFinish.promise;
      await record(hostA, 'outer');
    });
    await innerTaken.promise;

    let otherRan = false;
    const other = unitsB.run('inner', async () => {
      otherRan = true;
      await record(hostB, 'other');
    });
    await sleep(300);
    const otherRanWhileOuterOpen = otherRan;
    letOuterFinish.resolve();
    await Promise.all([outer, other]);
    expect(otherRanWhileOuterOpen).toBe(false); // the inner name stays locked after the nested run returned
    expect(await events()).toEqual(['inner', 'outer', 'other']);
  });

  it('recovers from a deadlock between hosts nesting two names in opposite orders (retried)', async () => {
    const bothHoldFirst = (() => {
      let arrived = 0;
      const all = deferred();
      return () => {
        if (++arrived === 2) all.resolve();
        return all.promise;
      };
    })();
    let runs = 0;
    const crossing = (units: PgUnitOfWork, db: Database, first: string, second: string) =>
      units.run(first, async () => {
        runs++;
        if (runs <= 2) await bothHoldFirst(); // only the first runs meet; a rerun goes straight through
        await units.run(second, () => record(db, `${first}>${second}`));
      });
    await within(
      Promise.all([crossing(unitsA, hostA, 'x', 'y'), crossing(unitsB, hostB, 'y', 'x')]),
      15000,
      'deadlocked units',
    );
    expect(runs).toBe(3); // PostgreSQL aborted one of them (40P01); it ran again after the other committed
    expect((await events()).sort()).toEqual(['x>y', 'y>x']);
  });

  it('serialises many concurrent runs of one name (a read-modify-write counter loses no update)', async () => {
    await hostA.query('CREATE TABLE IF NOT EXISTS counter (n int NOT NULL)');
    await hostA.query('TRUNCATE counter');
    await hostA.query('INSERT INTO counter VALUES (0)');
    const bump = (units: PgUnitOfWork, db: Database) =>
      units.run('counter', async () => {
        const n = (await db.query<{ n: number }>('SELECT n FROM counter')).rows[0].n;
        await sleep(5);
        await db.query('UPDATE counter SET n = $1', [n + 1]);
      });
    await Promise.all(Array.from({ length: 20 }, (_, i) => bump(i % 2 ? unitsA : unitsB, i % 2 ? hostA : hostB)));
    expect((await hostA.query<{ n: number }>('SELECT n FROM counter')).rows[0].n).toBe(20);
  });
});
