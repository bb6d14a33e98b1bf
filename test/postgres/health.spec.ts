import { Logger } from '@nestjs/common';
import { Database } from '../../src/persistence/postgres/database';
import { PgStoreHealth } from '../../src/persistence/postgres/pg-store-health';
import { createTestDatabase, startThrowawayPostgres, testServerUrl } from '../helpers/postgres';
import { TcpProxy } from '../helpers/tcp-proxy';

/** Polls `check` until it answers `wanted`; returns how long that took. */
async function until(check: () => Promise<boolean>, wanted: boolean, withinMs: number): Promise<number> {
  const began = Date.now();
  while (Date.now() - began < withinMs) {
    if ((await check()) === wanted) return Date.now() - began;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`health did not become ${wanted} within ${withinMs} ms`);
}

/** Runs a check and measures it: it must answer (never throw) and never take much more than its 1 s. */
async function timedCheck(health: PgStoreHealth): Promise<{ healthy: boolean; ms: number }> {
  const began = Date.now();
  const healthy = await health.healthy();
  return { healthy, ms: Date.now() - began };
}

describe('PgStoreHealth', () => {
  beforeAll(() => Logger.overrideLogger(false));

  // Stopping the shared server would break other test files; this one runs its own. With
  // TEST_DATABASE_URL nothing is started (see the network test below for that setup).
  const ownServer = process.env.TEST_DATABASE_URL ? it.skip : it;

  ownServer(
    'turns false within 2 s when the server stops and true again once it is back, without a restart',
    async () => {
      const server = await startThrowawayPostgres();
      const db = new Database({ url: server.url, poolSize: 3 });
      const health = new PgStoreHealth(db);
      try {
        expect(await health.healthy()).toBe(true);
        // Idle pooled connections that the stop will kill.
        await Promise.all([1, 2, 3].map(() => db.query('SELECT pg_sleep(0.05)')));

        await server.stop();
        const stoppedAt = Date.now();
        const down = await timedCheck(health);
        expect(down.healthy).toBe(false);
        expect(Date.now() - stoppedAt).toBeLessThan(2000);
        const again = await timedCheck(health); // still down: refused at once, no hang
        expect(again.healthy).toBe(false);
        expect(again.ms).toBeLessThan(1500);

        await server.start();
        await until(() => health.healthy(), true, 5000);
        expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows[0].one).toBe(1);
      } finally {
        await db.close();
        await server.close();
      }
    },
  );

  it('answers false within about a second when the network swallows packets, and true once it is back', async () => {
    const testDb = await createTestDatabase();
    const server = new URL(testServerUrl());
    const proxy = await TcpProxy.start(server.hostname, Number(server.port));
    const db = new Database({ url: proxy.urlFor(testDb.url), poolSize: 2 });
    const health = new PgStoreHealth(db);
    try {
      expect(await health.healthy()).toBe(true);

      proxy.blackhole();
      const onOpenConnection = await timedCheck(health); // the pooled connection never answers
      expect(onOpenConnection.healthy).toBe(false);
      expect(onOpenConnection.ms).toBeLessThan(1500);
      const onNewConnection = await timedCheck(health); // a new connection never completes
      expect(onNewConnection.healthy).toBe(false);
      expect(onNewConnection.ms).toBeLessThan(1500);

      proxy.restore();
      await until(() => health.healthy(), true, 7000);
    } finally {
      proxy.restore();
      await db.close();
      await proxy.close();
      await testDb.drop();
    }
  });

  it('gives up on a connection that stopped answering instead of keeping it (a pool of one recovers)', async () => {
    const testDb = await createTestDatabase();
    const server = new URL(testServerUrl());
    const proxy = await TcpProxy.start(server.hostname, Number(server.port));
    const db = new Database({ url: proxy.urlFor(testDb.url), poolSize: 1 });
    const health = new PgStoreHealth(db);
    try {
      expect(await health.healthy()).toBe(true);
      proxy.blackhole();
      expect(await health.healthy()).toBe(false);
      // The frozen connection is never answered: were it still held, the only slot would stay taken.
      proxy.relayNewOnly();
      expect(await until(() => health.healthy(), true, 3000)).toBeLessThan(3000);
    } finally {
      proxy.restore();
      await db.close();
      await proxy.close();
      await testDb.drop();
    }
  });
});
