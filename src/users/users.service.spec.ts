import { ManualClock } from '../common/clock/clock';
import { MemoryUsersRepository } from './persistence/memory/memory-users.repository';
import { LastAdminError, UsernameTakenError, UsersService } from './users.service';

describe('UsersService', () => {
  let repo: MemoryUsersRepository;
  let service: UsersService;

  beforeEach(async () => {
    repo = new MemoryUsersRepository();
    service = new UsersService(repo, new ManualClock(new Date('2026-01-01T00:00:00Z')));
    await service.create({ username: 'root', passwordHash: 'h', role: 'admin' });
    await service.create({ username: 'member', passwordHash: 'h', role: 'user' });
  });

  const stored = async (index: number) => (await repo.list())[index];

  it('creates users with a random id, a timestamp and session version 0', async () => {
    expect(await stored(1)).toMatchObject({
      username: 'member',
      role: 'user',
      sessionVersion: 0,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect((await stored(1)).id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a username taken in another case (409)', async () => {
    const error = await service.create({ username: 'MEMBER', passwordHash: 'h', role: 'user' }).catch((e) => e);
    expect(error).toBeInstanceOf(UsernameTakenError);
    expect(error.status).toBe(409);
    expect(await repo.list()).toHaveLength(2);
  });

  it.each([
    ['disabled', (s: UsersService) => s.setDisabled('root', true)],
    ['demoted', (s: UsersService) => s.setRole('root', 'user')],
    ['deleted', (s: UsersService) => s.delete('root')],
  ])('the last admin cannot be %s; nothing changes', async (_what, act) => {
    await expect(act(service)).rejects.toThrow(LastAdminError);
    expect(await stored(0)).toMatchObject({ username: 'root', role: 'admin', disabled: false });
    expect(await repo.list()).toHaveLength(2);
  });

  it('an admin can be demoted while another enabled admin remains', async () => {
    await service.setRole('member', 'admin');
    await service.setRole('root', 'user');
    expect((await stored(0)).role).toBe('user');
  });

  it('a disabled second admin does not count as the remaining admin', async () => {
    await service.setRole('member', 'admin');
    await service.setDisabled('member', true);
    await expect(service.delete('root')).rejects.toThrow(LastAdminError);
  });

  it('password changes and "sign out everywhere" bump the session version', async () => {
    const id = (await stored(1)).id;
    expect(await service.setPasswordHash(id, 'new')).toBe(1);
    await service.endAllSessions('member');
    expect(await repo.findCredentials('member')).toMatchObject({ passwordHash: 'new', user: { sessionVersion: 2 } });
  });
});
