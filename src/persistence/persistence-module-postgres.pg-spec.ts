import { Global, INestApplicationContext, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createTestDatabase, TestDatabase } from '../../test/helpers/postgres';
import { AuditLog } from '../audit/audit-log';
import { PgAuditLog } from '../audit/persistence/postgres/pg-audit-log';
import { PgResetTokensRepository } from '../auth/reset/persistence/postgres/pg-reset-tokens.repository';
import { ResetTokensRepository } from '../auth/reset/reset-tokens.repository';
import { PgThrottleRepository } from '../auth/throttling/persistence/postgres/pg-throttle.repository';
import { PgSessionsRepository } from '../auth/session/persistence/postgres/pg-sessions.repository';
import { SessionsRepository } from '../auth/session/sessions.repository';
import { PgTwoFactorRepository } from '../auth/two-factor/persistence/postgres/pg-two-factor.repository';
import { TwoFactorRepository } from '../auth/two-factor/two-factor.repository';
import { ThrottleRepository } from '../auth/throttling/throttle.repository';
import { Clock, ManualClock } from '../common/clock/clock';
import { AppConfig } from '../config/app-config';
import { parseEnv } from '../config/validate-env';
import { newInviteData } from '../invites/invites.repository.contract';
import { InvitesRepository } from '../invites/invites.repository';
import { PgInvitesRepository } from '../invites/persistence/postgres/pg-invites.repository';
import { PgUsersRepository } from '../users/persistence/postgres/pg-users.repository';
import { UsernameTakenError } from '../users/user-errors';
import { newUserData } from '../users/users.repository.contract';
import { UsersRepository } from '../users/users.repository';
import { PersistenceModule } from './persistence.module';
import { REPOSITORY_BINDINGS } from './repository-bindings';
import { UnitOfWork } from './unit-of-work';

describe('PersistenceModule.forRoot("postgres")', () => {
  let testDb: TestDatabase;
  let app: INestApplicationContext;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    testDb = await createTestDatabase();
    const config = parseEnv({ STORE: 'postgres', DATABASE_URL: testDb.url, DATABASE_POOL_SIZE: '3' });
    @Global()
    @Module({
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: Clock, useValue: new ManualClock() },
      ],
      exports: [AppConfig, Clock],
    })
    class ConfigStub {}
    // The repositories that have a PostgreSQL class so far (the full app refuses STORE=postgres until all do).
    const withPostgres = REPOSITORY_BINDINGS.filter((binding) => binding.postgres);
    @Module({ imports: [ConfigStub, PersistenceModule.forRoot('postgres', withPostgres)] })
    class Root {}
    app = await NestFactory.createApplicationContext(Root, { logger: false, abortOnError: false });
  });
  afterAll(async () => {
    await app?.close();
    await testDb.drop();
  });

  it('binds every repository of this slice to its PostgreSQL implementation', () => {
    expect(app.get(UsersRepository)).toBeInstanceOf(PgUsersRepository);
    expect(app.get(InvitesRepository)).toBeInstanceOf(PgInvitesRepository);
    expect(app.get(AuditLog)).toBeInstanceOf(PgAuditLog);
    expect(app.get(ResetTokensRepository)).toBeInstanceOf(PgResetTokensRepository);
    expect(app.get(ThrottleRepository)).toBeInstanceOf(PgThrottleRepository);
    expect(app.get(SessionsRepository)).toBeInstanceOf(PgSessionsRepository);
    expect(app.get(TwoFactorRepository)).toBeInstanceOf(PgTwoFactorRepository);
  });

  it('refuses the whole set while a repository has no PostgreSQL class, naming it', () => {
    const missing = REPOSITORY_BINDINGS.find((binding) => !binding.postgres);
    if (!missing) return;
    expect(() => PersistenceModule.forRoot('postgres')).toThrow(`${missing.provide.name} has no implementation`);
  });

  it('invite use + account creation in one unit: a taken username gives the use back', async () => {
    const users = app.get(UsersRepository);
    const invites = app.get(InvitesRepository);
    const units = app.get(UnitOfWork);
    const now = new Date('2026-03-01T12:00:00.000Z');
    await users.createUser(newUserData({ username: 'taken' }));
    await invites.createInvite(newInviteData({ code: 'unit-code' }));
    const register = (username: string) =>
      units.run('register', async () => {
        await invites.redeemInvite('unit-code', username, now);
        return users.createUser(newUserData({ username, inviteCode: 'unit-code' }));
      });
    await expect(register('TAKEN')).rejects.toThrow(UsernameTakenError);
    await expect(invites.findByCode('unit-code', now)).resolves.toMatchObject({ uses: 0, usedBy: [] });
    await expect(register('fresh')).resolves.toMatchObject({ username: 'fresh' });
    await expect(invites.findByCode('unit-code', now)).resolves.toMatchObject({ uses: 1, status: 'used' });
  });
});
