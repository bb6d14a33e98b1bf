import { usePgDatabase } from '../../../../test/helpers/pg-repository';
import { LastAdminError, UserNotFoundError } from '../../user-errors';
import { describeUsersRepositoryContract, newUserData } from '../../users.repository.contract';
import { PgUsersRepository } from './pg-users.repository';

const pg = usePgDatabase(['users']);

describeUsersRepositoryContract('postgres', async () => {
  await pg.truncate();
  return { repo: new PgUsersRepository(pg.db) };
});

describe('PgUsersRepository: text PostgreSQL cannot hold', () => {
  beforeEach(() => pg.truncate());

  it('a username or id holding U+0000 (typed at the login form) is simply not found', async () => {
    const repo = new PgUsersRepository(pg.db);
    await repo.createUser(newUserData({ username: 'member' }));
    await expect(repo.findByUsername('member\u0000')).resolves.toBeUndefined();
    await expect(repo.findCredentials('member\u0000')).resolves.toBeUndefined();
    await expect(repo.findById('x\u0000')).resolves.toBeUndefined();
    await expect(repo.setDisabled('member\u0000', true)).rejects.toThrow(UserNotFoundError);
    await expect(repo.deleteUser('member\u0000')).rejects.toThrow(UserNotFoundError);
  });
});

describe('PgUsersRepository: concurrency (two pools = two hosts)', () => {
  beforeEach(() => pg.truncate());

  const settled = async (promises: Array<Promise<unknown>>) => {
    const results = await Promise.allSettled(promises);
    return {
      ok: results.filter((r) => r.status === 'fulfilled').length,
      errors: results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])),
    };
  };

  it.each([
    ['demote', (r: PgUsersRepository, name: string) => r.setRole(name, 'user')],
    ['disable', (r: PgUsersRepository, name: string) => r.setDisabled(name, true)],
    ['delete', (r: PgUsersRepository, name: string) => r.deleteUser(name)],
  ])('%s the last two admins at once from two hosts: exactly one succeeds, one admin remains', async (_w, act) => {
    const hostA = new PgUsersRepository(pg.db);
    const hostB = new PgUsersRepository(pg.otherHost);
    for (let round = 0; round < 5; round++) {
      await pg.truncate();
      await hostA.createUser(newUserData({ username: 'alpha', role: 'admin' }));
      await hostA.createUser(newUserData({ username: 'beta', role: 'admin' }));
      const { ok, errors } = await settled([act(hostA, 'alpha'), act(hostB, 'beta')]);
      expect(ok).toBe(1);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(LastAdminError);
      await expect(hostA.countAdmins({ enabledOnly: true })).resolves.toBe(1);
    }
  });

  it('concurrent first-admin creations (onlyIfNoAdmin): exactly one admin is created', async () => {
    const hosts = [new PgUsersRepository(pg.db), new PgUsersRepository(pg.otherHost)];
    const { ok } = await settled(
      Array.from({ length: 6 }, (_, i) =>
        hosts[i % 2].createUser(newUserData({ username: `first${i}`, role: 'admin' }), { onlyIfNoAdmin: true }),
      ),
    );
    expect(ok).toBe(1);
    await expect(hosts[0].countAdmins()).resolves.toBe(1);
  });

  it('concurrent registrations of one username in different cases: exactly one account', async () => {
    const hosts = [new PgUsersRepository(pg.db), new PgUsersRepository(pg.otherHost)];
    const { ok } = await settled(
      ['Sam', 'sam', 'SAM', 'sAm'].map((name, i) => hosts[i % 2].createUser(newUserData({ username: name }))),
    );
    expect(ok).toBe(1);
    await expect(hosts[1].list()).resolves.toHaveLength(1);
  });
});
