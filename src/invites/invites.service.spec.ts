import { ManualClock } from '../common/clock/clock';
import { DomainError } from '../common/errors/domain-error';
import { InviteNotValidError } from './invite-errors';
import { InvitesService } from './invites.service';
import { MemoryInvitesRepository } from './persistence/memory/memory-invites.repository';

describe('InvitesService', () => {
  let repo: MemoryInvitesRepository;
  let clock: ManualClock;
  let service: InvitesService;

  beforeEach(() => {
    repo = new MemoryInvitesRepository();
    clock = new ManualClock(new Date('2026-03-01T12:00:00Z'));
    service = new InvitesService(repo, clock);
  });

  const stored = async (index: number) => (await repo.list(clock.now()))[index];

  it('mints random URL-safe codes of at least 112 bits, with defaults', async () => {
    const invite = await service.mint({ createdBy: 'root' });
    expect(invite.code).toMatch(/^[A-Za-z0-9_-]{24}$/); // 18 bytes = 144 bits
    expect(invite).toMatchObject({ role: 'user', maxUses: 1, uses: 0, status: 'active', createdBy: 'root' });
    expect(invite.expiresAt).toBe('2026-03-08T12:00:00.000Z');
    const other = await service.mint({ createdBy: 'root' });
    expect(other.code).not.toBe(invite.code);
  });

  it('mints a never-expiring invite with expiresInDays 0', async () => {
    expect((await service.mint({ createdBy: null, expiresInDays: 0 })).expiresAt).toBeNull();
  });

  it('accepts a valid custom code and refuses a duplicate or malformed one', async () => {
    await service.mint({ createdBy: null, code: 'team-2026' });
    await expect(service.mint({ createdBy: null, code: 'team-2026' })).rejects.toThrow('That code already exists.');
    await expect(service.mint({ createdBy: null, code: 'bad code!' })).rejects.toThrow(DomainError);
    await expect(service.mint({ createdBy: null, code: 'abc' })).rejects.toThrow(DomainError);
    expect(await repo.list(clock.now())).toHaveLength(1);
  });

  it('redeem() takes one use, marks used at maxUses and refuses after', async () => {
    await service.mint({ createdBy: null, code: 'twice-ok', maxUses: 2 });
    await service.redeem('twice-ok', 'a');
    expect(await stored(0)).toMatchObject({ uses: 1, status: 'active', usedBy: ['a'] });
    await service.redeem('twice-ok', 'b');
    expect(await stored(0)).toMatchObject({ uses: 2, status: 'used', usedBy: ['a', 'b'] });
    await expect(service.redeem('twice-ok', 'c')).rejects.toThrow(InviteNotValidError);
    expect((await stored(0)).uses).toBe(2);
  });

  it('check() and redeem() refuse expired and revoked codes with the same error', async () => {
    await service.mint({ createdBy: null, code: 'expiring', expiresInDays: 1 });
    await service.mint({ createdBy: null, code: 'revoked1' });
    await service.revoke('revoked1', 'root');
    clock.advance(86_400_001);
    for (const code of ['expiring', 'revoked1', 'unknown-code']) {
      await expect(service.check(code)).rejects.toThrow(InviteNotValidError);
      await expect(service.redeem(code, 'x')).rejects.toThrow('This invite code is not valid.');
    }
  });

  it('release() gives a use back', async () => {
    await service.mint({ createdBy: null, code: 'give-back' });
    await service.redeem('give-back', 'a');
    await service.release('give-back', 'a');
    expect(await stored(0)).toMatchObject({ uses: 0, status: 'active', usedBy: [] });
  });

  it('lists newest first', async () => {
    await service.mint({ createdBy: null, code: 'first-1' });
    await service.mint({ createdBy: null, code: 'second-2' });
    expect((await service.list()).map((i) => i.code)).toEqual(['second-2', 'first-1']);
  });
});
