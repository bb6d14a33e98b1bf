import * as net from 'node:net';
import { Global, INestApplicationContext, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig } from '../../src/config/app-config';
import { parseEnv } from '../../src/config/validate-env';
import { Database, DatabaseUnavailableError } from '../../src/persistence/postgres/database';
import { MigrationRunner } from '../../src/persistence/postgres/migration-runner';
import { MIGRATIONS } from '../../src/persistence/postgres/migrations';
import { PgStoreHealth } from '../../src/persistence/postgres/pg-store-health';
import { PgUnitOfWork } from '../../src/persistence/postgres/pg-unit-of-work';
import { PostgresModule } from '../../src/persistence/postgres/postgres.module';
import { createTestDatabase, TestDatabase } from '../helpers/postgres';

/** What AppModule will do in postgres mode: validated config + PostgresModule. */
function postgresApp(databaseUrl: string): Promise<INestApplicationContext> {
  const config = parseEnv({ STORE: 'postgres', DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: '3' });
  @Global()
  @Module({ providers: [{ provide: AppConfig, useValue: config }], exports: [AppConfig] })
  class ConfigStub {}
  @Module({ imports: [ConfigStub, PostgresModule] })
  class Root {}
  return NestFactory.createApplicationContext(Root, { logger: false, abortOnError: false });
}

async function unusedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('PostgresModule start-up', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    Logger.overrideLogger(false);
    testDb = await createTestDatabase();
  });
  afterAll(() => testDb.drop());

  it('connects and migrates on start, offers its services, and closes the pool on shutdown', async () => {
    const app = await postgresApp(testDb.url);
    const db = app.get(Database);
    expect(await app.get(MigrationRunner).appliedVersions()).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await app.get(PgStoreHealth).healthy()).toBe(true);
    expect(await app.get(PgUnitOfWork).run('startup-test', () => db.query('SELECT 1'))).toMatchObject({ rowCount: 1 });
    await app.close();
    await expect(db.query('SELECT 1')).rejects.toThrow();
  });

  it('a second start finds the schema current', async () => {
    const app = await postgresApp(testDb.url);
    expect(await app.get(MigrationRunner).migrate()).toMatchObject({ applied: [] });
    await app.close();
  });

  it('an unreachable DATABASE_URL stops start-up with one line naming the database, never the password', async () => {
    const port = await unusedPort();
    const started = Date.now();
    const error = await postgresApp(`postgres://gatehouse:S3cret-Passw0rd@127.0.0.1:${port}/gatehouse`).then(
      async (app) => {
        await app.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    const message = (error as Error).message;
    expect(message).toBe(`cannot connect to the database at 127.0.0.1:${port}/gatehouse (ECONNREFUSED)`);
    expect(message).not.toMatch(/\n|S3cret|gatehouse:/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('an unknown host is named the same way', async () => {
    const error = await postgresApp('postgresql://gh:S3cret-Passw0rd@db.invalid:5432/gh').then(
      async (app) => {
        await app.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as Error).message).toMatch(
      /^cannot connect to the database at db\.invalid:5432\/gh \((ENOTFOUND|EAI_AGAIN|timed out connecting)\)$/,
    );
  });
});
