import { NewUserData } from './user.model';
import { AdminExistsError, LastAdminError, UsernameTakenError, UserNotFoundError } from './user-errors';
import { UsersRepository } from './users.repository';

/** What a test store hands the contract: a fresh, empty repository and how to clean up after it. */
export interface RepositoryUnderTest<R> {
  repo: R;
  cleanup?: () => Promise<void> | void;
}

let next = 0;
export function newUserData(overrides: Partial<NewUserData> = {}): NewUserData {
  next++;
  return {
    id: `00000000-0000-4000-8000-${String(next).padStart(12, '0')}`,
    username: `user${next}`,
    passwordHash: `hash-${next}`,
    role: 'user',
    createdAt: '2026-01-01T00:00:00.000Z',
    invitedBy: null,
    inviteCode: null,
    ...overrides,
  };
}

/**
 * The behaviour every UsersRepository implementation must have (files, memory, later PostgreSQL).
 * Called from a spec with a factory for a fresh, empty repository.
 */
export function describeUsersRepositoryContract(
  name: string,
  make: () => Promise<RepositoryUnderTest<UsersRepository>>,
): void {
  describe(`UsersRepository contract: ${name}`, () => {
    let repo: UsersRepository;
    let cleanup: RepositoryUnderTest<UsersRepository>['cleanup'];

    beforeEach(async () => {
      ({ repo, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    async function admin(username = 'root') {
      return repo.createUser(newUserData({ username, role: 'admin' }));
    }

    it('creates a user with session version 0, enabled, no last login, and finds it by id and name (any case)', async () => {
      const input = newUserData({ username: 'Alice', invitedBy: 'root', inviteCode: 'code-1' });
      const created = await repo.createUser(input);
      expect(created).toEqual({
        id: input.id,
        username: 'Alice',
        role: 'user',
        createdAt: input.createdAt,
        disabled: false,
        invitedBy: 'root',
        lastLoginAt: null,
        sessionVersion: 0,
        dailyDrafts: null,
      });
      await expect(repo.findById(input.id)).resolves.toEqual(created);
      await expect(repo.findByUsername('aLiCe')).resolves.toEqual(created);
      await expect(repo.findCredentials('ALICE')).resolves.toEqual({ user: created, passwordHash: input.passwordHash });
      await expect(repo.findByUsername('bob')).resolves.toBeUndefined();
      await expect(repo.findById('nope')).resolves.toBeUndefined();
    });

    it('lists users in creation order and counts admins (optionally enabled only)', async () => {
      await admin('root');
      await repo.createUser(newUserData({ username: 'member' }));
      await admin('second');
      await repo.setDisabled('second', true);
      expect((await repo.list()).map((u) => u.username)).toEqual(['root', 'member', 'second']);
      await expect(repo.countAdmins()).resolves.toBe(2);
      await expect(repo.countAdmins({ enabledOnly: true })).resolves.toBe(1);
    });

    it('refuses a username taken in another case, and a second admin when onlyIfNoAdmin', async () => {
      await admin('root');
      await expect(repo.createUser(newUserData({ username: 'ROOT' }))).rejects.toThrow(UsernameTakenError);
      await expect(repo.createUser(newUserData({ role: 'admin' }), { onlyIfNoAdmin: true })).rejects.toThrow(
        AdminExistsError,
      );
      await expect(repo.list()).resolves.toHaveLength(1);
    });

    it.each([
      ['disabled', (r: UsersRepository) => r.setDisabled('root', true)],
      ['demoted', (r: UsersRepository) => r.setRole('root', 'user')],
      ['deleted', (r: UsersRepository) => r.deleteUser('root')],
    ])('the last enabled admin cannot be %s; nothing changes', async (_what, act) => {
      await admin('root');
      await repo.createUser(newUserData({ username: 'member' }));
      await expect(act(repo)).rejects.toThrow(LastAdminError);
      await expect(repo.findByUsername('root')).resolves.toMatchObject({ role: 'admin', disabled: false });
      await expect(repo.list()).resolves.toHaveLength(2);
    });

    it('a disabled second admin does not count as the remaining one; an enabled one does', async () => {
      await admin('root');
      await admin('second');
      await repo.setDisabled('second', true);
      await expect(repo.deleteUser('root')).rejects.toThrow(LastAdminError);
      await repo.setDisabled('second', false);
      await expect(repo.setRole('root', 'user')).resolves.toMatchObject({ username: 'root', role: 'user' });
      await expect(repo.deleteUser('root')).resolves.toMatchObject({ username: 'root' });
      await expect(repo.findByUsername('root')).resolves.toBeUndefined();
    });

    it('a disabled admin or a plain user can always be disabled, demoted or deleted', async () => {
      await admin('root');
      await repo.createUser(newUserData({ username: 'member' }));
      await expect(repo.setDisabled('member', true)).resolves.toMatchObject({ disabled: true });
      await expect(repo.deleteUser('member')).resolves.toMatchObject({ username: 'member' });
    });

    it('password changes and "sign out everywhere" bump the session version', async () => {
      const input = newUserData({ username: 'member' });
      await repo.createUser(input);
      await expect(repo.setPasswordHash(input.id, 'new-hash')).resolves.toBe(1);
      await expect(repo.endAllSessions('MEMBER')).resolves.toMatchObject({ sessionVersion: 2 });
      await expect(repo.findCredentials('member')).resolves.toMatchObject({
        passwordHash: 'new-hash',
        user: { sessionVersion: 2 },
      });
    });

    it('touchLastLogin records the time and, when given, a new hash', async () => {
      const input = newUserData({ username: 'member' });
      await repo.createUser(input);
      await repo.touchLastLogin(input.id, '2026-02-02T00:00:00.000Z');
      await expect(repo.findCredentials('member')).resolves.toMatchObject({
        passwordHash: input.passwordHash,
        user: { lastLoginAt: '2026-02-02T00:00:00.000Z', sessionVersion: 0 },
      });
      await repo.touchLastLogin(input.id, '2026-02-03T00:00:00.000Z', 'rehashed');
      await expect(repo.findCredentials('member')).resolves.toMatchObject({ passwordHash: 'rehashed' });
    });

    it('sets and clears the daily draft limit', async () => {
      await repo.createUser(newUserData({ username: 'member' }));
      await expect(repo.setDailyDrafts('member', 5)).resolves.toMatchObject({ dailyDrafts: 5 });
      await expect(repo.setDailyDrafts('member', null)).resolves.toMatchObject({ dailyDrafts: null });
    });

    it('changes to an unknown user throw UserNotFoundError', async () => {
      await expect(repo.setDisabled('ghost', true)).rejects.toThrow(UserNotFoundError);
      await expect(repo.setRole('ghost', 'admin')).rejects.toThrow(UserNotFoundError);
      await expect(repo.deleteUser('ghost')).rejects.toThrow(UserNotFoundError);
      await expect(repo.endAllSessions('ghost')).rejects.toThrow(UserNotFoundError);
      await expect(repo.setPasswordHash('no-id', 'h')).rejects.toThrow(UserNotFoundError);
      await expect(repo.touchLastLogin('no-id', '2026-01-01T00:00:00.000Z')).rejects.toThrow(UserNotFoundError);
    });

    it('hands out copies: changing a returned user does not change the store', async () => {
      const created = await repo.createUser(newUserData({ username: 'member' }));
      created.role = 'admin';
      (await repo.list())[0].disabled = true;
      await expect(repo.findByUsername('member')).resolves.toMatchObject({ role: 'user', disabled: false });
    });
  });
}
