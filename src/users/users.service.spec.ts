import { ManualClock } from '../common/clock/clock';
import { UserRecord } from './user.model';
import { UsersRepository } from './users.repository';
import { LastAdminError, UsernameTakenError, UsersService } from './users.service';

class MemoryUsers {
  users: UserRecord[] = [];
  async mutate<R>(change: (users: UserRecord[], find: (n: string) => UserRecord | undefined) => R): Promise<R> {
    const draft = structuredClone(this.users);
    const result = change(draft, (n) => draft.find((u) => u.username.toLowerCase() === n.toLowerCase()));
    this.users = draft;
    return result;
  }
  async countAdmins() {
    return this.users.filter((u) => u.role === 'admin').length;
  }
}

describe('UsersService', () => {
  let repo: MemoryUsers;
  let service: UsersService;

  beforeEach(async () => {
    repo = new MemoryUsers();
    service = new UsersService(repo as unknown as UsersRepository, new ManualClock(new Date('2026-01-01T00:00:00Z')));
    await service.create({ username: 'root', passwordHash: 'h', role: 'admin' });
    await service.create({ username: 'member', passwordHash: 'h', role: 'user' });
  });

  it('creates users with a random id, a timestamp and session version 0', () => {
    expect(repo.users[1]).toMatchObject({
      username: 'member',
      role: 'user',
      session_version: 0,
      created_at: '2026-01-01T00:00:00.000Z',
    });
    expect(repo.users[1].id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a username taken in another case (409)', async () => {
    const error = await service.create({ username: 'MEMBER', passwordHash: 'h', role: 'user' }).catch((e) => e);
    expect(error).toBeInstanceOf(UsernameTakenError);
    expect(error.getStatus()).toBe(409);
    expect(repo.users).toHaveLength(2);
  });

  it.each([
    ['disabled', (s: UsersService) => s.setDisabled('root', true)],
    ['demoted', (s: UsersService) => s.setRole('root', 'user')],
    ['deleted', (s: UsersService) => s.delete('root')],
  ])('the last admin cannot be %s; nothing changes', async (_what, act) => {
    await expect(act(service)).rejects.toThrow(LastAdminError);
    expect(repo.users[0]).toMatchObject({ username: 'root', role: 'admin', disabled: false });
    expect(repo.users).toHaveLength(2);
  });

  it('an admin can be demoted while another enabled admin remains', async () => {
    await service.setRole('member', 'admin');
    await service.setRole('root', 'user');
    expect(repo.users[0].role).toBe('user');
  });

  it('a disabled second admin does not count as the remaining admin', async () => {
    await service.setRole('member', 'admin');
    await service.setDisabled('member', true);
    await expect(service.delete('root')).rejects.toThrow(LastAdminError);
  });

  it('password changes and "sign out everywhere" bump the session version', async () => {
    const id = repo.users[1].id!;
    expect(await service.setPasswordHash(id, 'new')).toBe(1);
    await service.endAllSessions('member');
    expect(repo.users[1]).toMatchObject({ password_hash: 'new', session_version: 2 });
  });
});
